import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Searches too long for their paging links (a POST `_search` with thousands of `_id` values): the
 * query is kept here and the links name it (src/fhir/store/search-queries.ts). Keyed by station
 * first, as every table; `created` lets expired queries be dropped by an index range.
 */
export class SearchQueries1767800000000 implements MigrationInterface {
  name = 'SearchQueries1767800000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE IF NOT EXISTS search_query (
      station_id text COLLATE "C" NOT NULL,
      id text COLLATE "C" NOT NULL,
      actor text NOT NULL,
      query text NOT NULL,
      created timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (station_id, id))`);
    await q.query(`CREATE INDEX IF NOT EXISTS search_query_created ON search_query (station_id, created)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE search_query`);
  }
}
