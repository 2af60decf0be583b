import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * AuditEvents keep no rows in idx_compartment: their Patient compartment is their `patient`
 * reference rows (entity and agent references to a Patient), which idx_reference holds already and
 * src/fhir/index/compartment.ts reads. A search of 20 residents wrote 20 compartment rows (60 B-tree
 * entries) for its audit record. With the log gone from idx_compartment, idx_compartment_record
 * (CompartmentRecordIndex1766000200000, the compartment without AuditEvents) holds what
 * idx_compartment_lookup holds, and every write paid for both.
 */
export class AccessLogCompartment1767100000000 implements MigrationInterface {
  name = 'AccessLogCompartment1767100000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`DELETE FROM idx_compartment WHERE resource_type = 'AuditEvent'`);
    await q.query(`DROP INDEX IF EXISTS idx_compartment_record`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(
      `INSERT INTO idx_compartment (station_id, resource_type, resource_id, compartment_type, compartment_id)
       SELECT DISTINCT station_id, resource_type, resource_id, 'Patient', target_id FROM idx_reference
        WHERE resource_type = 'AuditEvent' AND param IN ('entity', 'agent') AND target_type = 'Patient'`,
    );
    await q.query(
      `CREATE INDEX idx_compartment_record ON idx_compartment (station_id, compartment_type, compartment_id, resource_type, resource_id)
        WHERE resource_type <> 'AuditEvent'`,
    );
  }
}
