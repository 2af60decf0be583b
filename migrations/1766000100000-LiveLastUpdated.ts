import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `resource_last_updated` becomes partial, `WHERE NOT deleted`. Every search carries
 * `NOT r.deleted`, so `_lastUpdated` conditions and sorts use it as before (and it no longer holds
 * deleted heads). The read of a head by id (store/read.ts, before every update, patch and delete)
 * has no such condition, so it can no longer pick this index: without statistics PostgreSQL
 * estimates (station, type) at 0.5% × 0.5% of the table, preferred the smaller index over the
 * primary key, and walked every resource of the type for each PUT (docs/search.md §8:
 * 5 residents/s instead of 21/s until someone ran ANALYZE).
 */
export class LiveLastUpdated1766000100000 implements MigrationInterface {
  name = 'LiveLastUpdated1766000100000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX resource_live_updated ON resource (station_id, resource_type, last_updated) WHERE NOT deleted`);
    await q.query(`DROP INDEX IF EXISTS resource_last_updated`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX resource_last_updated ON resource (station_id, resource_type, last_updated)`);
    await q.query(`DROP INDEX IF EXISTS resource_live_updated`);
  }
}
