import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Indexes for the health-criterion report (docs/report.md, "How it is computed"): it reads whole
 * sets of one parameter — every Coverage's beneficiary, every Encounter's subject, every record in
 * a Patient compartment by type — and joins them by id. Keyed by (station, type, param), these
 * reads are index-only range scans instead of heap visits (the existing keys lead with the target).
 */
export class ReportIndexes1764950000000 implements MigrationInterface {
  name = 'ReportIndexes1764950000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX IF NOT EXISTS idx_reference_param ON idx_reference (station_id, resource_type, param, target_type) INCLUDE (resource_id, target_id)`);
    await q.query(`CREATE INDEX IF NOT EXISTS idx_compartment_type ON idx_compartment (station_id, resource_type, compartment_type) INCLUDE (resource_id, compartment_id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX IF EXISTS idx_compartment_type`);
    await q.query(`DROP INDEX IF EXISTS idx_reference_param`);
  }
}
