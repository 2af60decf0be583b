import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * String rows lose their owner index: a resource's string rows are reached by their keys through
 * idx_string_walk, composite rows (whose keys cannot be listed) through a partial owner index of
 * their own (src/fhir/index/string-keys.ts says why and how). A Patient's ~25 string rows then cost
 * two B-tree insertions each instead of three.
 */
export class StringRowsByKey1767700000000 implements MigrationInterface {
  name = 'StringRowsByKey1767700000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX idx_string_composite_owner ON idx_string (station_id, resource_type, resource_id) WHERE strpos(param, '$') > 0`);
    await q.query(`DROP INDEX idx_string_owner`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX idx_string_owner ON idx_string (station_id, resource_type, resource_id)`);
    await q.query(`DROP INDEX idx_string_composite_owner`);
  }
}
