import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Drops the trigram GIN index on every string value. It served only `:contains`, and it cost
 * about 0.8 ms of PostgreSQL CPU on each Patient create (a third of the database's share of the
 * write, measured with `npm run bench`). `:contains` now reads the parameter's values from the
 * B-tree keyed by (station, type, param) — an index-only scan of one parameter (docs/search.md).
 */
export class DropStringTrigram1765000000000 implements MigrationInterface {
  name = 'DropStringTrigram1765000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX IF EXISTS idx_string_trgm`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX IF NOT EXISTS idx_string_trgm ON idx_string USING gin (station_id, value gin_trgm_ops)`);
  }
}
