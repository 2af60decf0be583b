import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Two indexes of `1764950000000-ReportIndexes` that nothing reads since the report counts from its
 * per-resident facts (`1766500000000-ReportFacts`): every reference row and every compartment row
 * paid a B-tree insert into them — five to six per clinical resource, forty-one per search's audit
 * record (its twenty entities and twenty Patients). The searches reach the same rows through
 * idx_reference_lookup / idx_compartment_lookup (by target) and the owner indexes (by resource).
 * Measured before dropping them: docs/report.md and docs/search.md (fourth session).
 */
export class DropUnusedIndexes1767000100000 implements MigrationInterface {
  name = 'DropUnusedIndexes1767000100000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX IF EXISTS idx_reference_param`);
    await q.query(`DROP INDEX IF EXISTS idx_compartment_type`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX IF NOT EXISTS idx_reference_param ON idx_reference (station_id, resource_type, param, target_type) INCLUDE (resource_id, target_id)`);
    await q.query(`CREATE INDEX IF NOT EXISTS idx_compartment_type ON idx_compartment (station_id, resource_type, compartment_type) INCLUDE (resource_id, compartment_id)`);
  }
}
