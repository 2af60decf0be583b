import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The report's queue (ReportFacts1766500000000) leaves out AuditEvents: they are in the Patient
 * compartment, but no report fact comes from them, and every read of a chart writes one — the
 * queue grew with every read and each report's refresh went through them for nothing.
 */
export class ReportQueueSkipsAudit1766500100000 implements MigrationInterface {
  name = 'ReportQueueSkipsAudit1766500100000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE OR REPLACE FUNCTION report_enqueue() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        INSERT INTO report_queue (station_id, resource_type, resource_id)
        SELECT DISTINCT station_id, resource_type, resource_id FROM changed
         WHERE compartment_type = 'Patient' AND resource_type <> 'AuditEvent';
        RETURN NULL;
      END $$`);
    await q.query(`DELETE FROM report_queue WHERE resource_type = 'AuditEvent'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE OR REPLACE FUNCTION report_enqueue() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        INSERT INTO report_queue (station_id, resource_type, resource_id)
        SELECT DISTINCT station_id, resource_type, resource_id FROM changed WHERE compartment_type = 'Patient';
        RETURN NULL;
      END $$`);
  }
}
