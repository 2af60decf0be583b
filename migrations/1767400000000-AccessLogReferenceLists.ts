import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The access log's reference rows become one list per event (src/fhir/index/reference-lists.ts):
 * idx_reference_list holds each AuditEvent's keys (`param|Type/id`, `param||url`), found by its
 * owner (a unique B-tree) and by key (GIN, with the station as its first column: btree_gin).
 * The keys are the ones reference-lists.ts writes, so events moved here read as events written
 * afterwards.
 */
const KEY = `param || '|' || CASE WHEN target_type IS NOT NULL AND target_id IS NOT NULL THEN target_type || '/' || target_id ELSE '|' || url END`;

export class AccessLogReferenceLists1767400000000 implements MigrationInterface {
  name = 'AccessLogReferenceLists1767400000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `CREATE TABLE idx_reference_list (station_id text COLLATE "C" NOT NULL, resource_type text COLLATE "C" NOT NULL, resource_id text COLLATE "C" NOT NULL, keys text[] NOT NULL)`,
    );
    await q.query(
      `INSERT INTO idx_reference_list (station_id, resource_type, resource_id, keys)
       SELECT station_id, resource_type, resource_id, array_agg(DISTINCT ${KEY})
         FROM idx_reference WHERE resource_type = 'AuditEvent' AND (target_id IS NOT NULL OR url IS NOT NULL)
        GROUP BY station_id, resource_type, resource_id`,
    );
    await q.query(`DELETE FROM idx_reference WHERE resource_type = 'AuditEvent'`);
    await q.query(`CREATE UNIQUE INDEX idx_reference_list_owner ON idx_reference_list (station_id, resource_type, resource_id)`);
    // No pending list (fastupdate): every search by key would scan all of it, up to 4 MB (1.1 ms of
    // 1.4 per access-log search, measured); inserting each key into the tree costs little more.
    await q.query(`CREATE INDEX idx_reference_list_keys ON idx_reference_list USING gin (station_id, keys) WITH (fastupdate = off)`);
    // The owners of the lists holding any of `keys`, estimated at a fixed 20 rows. Asked inline
    // (`keys && $1`), PostgreSQL estimated the match from each value's statistics, so its generic
    // plan (a parameter's default share of the lists) never looked as cheap as a custom one, and
    // every access-log search was planned again: 0.28 ms of its 0.4. A function's fixed estimate
    // is the same for every value, so the prepared statement keeps one plan, starting from here.
    await q.query(
      `CREATE FUNCTION reference_list_owners(station text, owner_type text, wanted text[]) RETURNS SETOF text
         LANGUAGE plpgsql STABLE ROWS 20 AS $$
       BEGIN
         RETURN QUERY SELECT l.resource_id::text FROM idx_reference_list l
           WHERE l.station_id = station AND l.resource_type = owner_type AND l.keys && wanted;
       END $$`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(
      `INSERT INTO idx_reference (station_id, resource_type, resource_id, param, target_type, target_id, url)
       SELECT l.station_id, l.resource_type, l.resource_id, split_part(key, '|', 1),
              CASE WHEN rest NOT LIKE '|%' THEN split_part(rest, '/', 1) END,
              CASE WHEN rest NOT LIKE '|%' THEN substr(rest, strpos(rest, '/') + 1) END,
              CASE WHEN rest LIKE '|%' THEN substr(rest, 2) END
         FROM idx_reference_list l, unnest(l.keys) AS key, LATERAL (SELECT substr(key, strpos(key, '|') + 1) AS rest) r`,
    );
    await q.query(`DROP FUNCTION reference_list_owners(text, text, text[])`);
    await q.query(`DROP TABLE idx_reference_list`);
  }
}
