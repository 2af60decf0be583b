import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The Patient compartment without its AuditEvents, keyed like idx_compartment_lookup. AuditEvents
 * are in the R4 Patient compartment, but they are the access log: `$everything` leaves them out
 * unless `_type` names them, and every read of a chart adds one. On the full index the page walk
 * (in (type, id) order) read and discarded all of them first — 'AuditEvent' sorts before most
 * clinical types — 4,851 rows, 4.6 of the statement's 6.0 ms, for the bench's 200-resource resident
 * after one bench run, and a chart gathers them for years. Searches that exclude AuditEvents say
 * so in their SQL (search/plan.ts) and walk this index instead; AuditEvent rows never enter it, so
 * the audit trail's own writes do not pay for it.
 */
export class CompartmentRecordIndex1766000200000 implements MigrationInterface {
  name = 'CompartmentRecordIndex1766000200000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `CREATE INDEX idx_compartment_record ON idx_compartment (station_id, compartment_type, compartment_id, resource_type, resource_id)
        WHERE resource_type <> 'AuditEvent'`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX IF EXISTS idx_compartment_record`);
  }
}
