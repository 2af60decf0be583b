import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The access log's token and string rows move into shared row sets (src/fhir/index/row-sets.ts):
 * each AuditEvent has one row in idx_row_set naming its set, and each set's rows are stored once
 * under `s:<hash>`, registered in `row_set`. The hash is the one row-sets.ts computes (SHA-256 of the rows' lines in byte
 * order, base64url), so events converted here share their sets with events written afterwards.
 * Written for AuditEvent, the one type kept in sets when this ran.
 */
const TOKEN_LINE = `concat_ws(E'\\x01', 't', param, coalesce(system, E'\\x02'), coalesce(code, E'\\x02'), coalesce(text, E'\\x02'))`;
const STRING_LINE = `concat_ws(E'\\x01', 's', param, value, exact)`;
const SET_ID = `'s:' || rtrim(translate(encode(sha256(convert_to(string_agg(line, E'\\x03' ORDER BY line COLLATE "C"), 'UTF8')), 'base64'), '+/', '-_'), '=')`;
const EVENT_ROWS = `resource_type = 'AuditEvent' AND resource_id NOT LIKE 's:%'`;
const TABLES = [
  ['idx_token', 'param, system, code, text'],
  ['idx_string', 'param, value, exact'],
] as const;

export class AccessLogRowSets1767200000000 implements MigrationInterface {
  name = 'AccessLogRowSets1767200000000';

  async up(q: QueryRunner): Promise<void> {
    // The stored sets, each once: whoever registers a set writes its rows (row-sets.ts rowSetWrites).
    await q.query(`CREATE TABLE IF NOT EXISTS row_set (station_id text COLLATE "C" NOT NULL, resource_type text COLLATE "C" NOT NULL, id text COLLATE "C" NOT NULL, PRIMARY KEY (station_id, resource_type, id))`);
    // Each resource's set: found by the resource (writes, sorts, negations) and by the set (searches).
    await q.query(
      `CREATE TABLE IF NOT EXISTS idx_row_set (station_id text COLLATE "C" NOT NULL, resource_type text COLLATE "C" NOT NULL, resource_id text COLLATE "C" NOT NULL, set_id text COLLATE "C" NOT NULL)`,
    );
    await q.query(`CREATE INDEX IF NOT EXISTS idx_row_set_owner ON idx_row_set (station_id, resource_type, resource_id)`);
    await q.query(`CREATE INDEX IF NOT EXISTS idx_row_set_lookup ON idx_row_set (station_id, resource_type, set_id, resource_id)`);
    // Sets are few and their shares move fast (a new user's or device's set grows from nothing):
    // sampled, the number of distinct sets swung the planner between walking every event and
    // trusting a set to name one (a seq scan of idx_row_set, 745 ms for an auditor's query at
    // 46,000 events). A fixed order of magnitude keeps each set at about 1% of the events.
    await q.query(`ALTER TABLE idx_row_set ALTER COLUMN set_id SET (n_distinct = 100)`);
    await q.query(
      `CREATE TEMPORARY TABLE event_set AS
       SELECT station_id, resource_type, resource_id, ${SET_ID} AS set_id
         FROM (SELECT station_id, resource_type, resource_id, ${TOKEN_LINE} AS line FROM idx_token WHERE ${EVENT_ROWS}
               UNION
               SELECT station_id, resource_type, resource_id, ${STRING_LINE} FROM idx_string WHERE ${EVENT_ROWS}) l
        GROUP BY station_id, resource_type, resource_id`,
    );
    for (const [table, columns] of TABLES) {
      await q.query(
        `INSERT INTO ${table} (station_id, resource_type, resource_id, ${columns})
         SELECT DISTINCT e.station_id, e.resource_type, e.set_id, ${columns.split(', ').map((c) => `t.${c}`).join(', ')}
           FROM event_set e JOIN ${table} t ON t.station_id = e.station_id AND t.resource_type = e.resource_type AND t.resource_id = e.resource_id
          WHERE NOT EXISTS (SELECT 1 FROM ${table} x WHERE x.station_id = e.station_id AND x.resource_type = e.resource_type AND x.resource_id = e.set_id)`,
      );
      await q.query(
        `DELETE FROM ${table} t USING event_set e
          WHERE t.station_id = e.station_id AND t.resource_type = e.resource_type AND t.resource_id = e.resource_id`,
      );
    }
    await q.query(`INSERT INTO idx_row_set (station_id, resource_type, resource_id, set_id) SELECT station_id, resource_type, resource_id, set_id FROM event_set`);
    await q.query(
      `INSERT INTO row_set (station_id, resource_type, id) SELECT DISTINCT station_id, resource_type, set_id FROM event_set ON CONFLICT DO NOTHING`,
    );
    await q.query(`DROP TABLE event_set`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const [table, columns] of TABLES) {
      await q.query(
        `INSERT INTO ${table} (station_id, resource_type, resource_id, ${columns})
         SELECT m.station_id, m.resource_type, m.resource_id, ${columns.split(', ').map((c) => `s.${c}`).join(', ')}
           FROM idx_row_set m JOIN ${table} s ON s.station_id = m.station_id AND s.resource_type = m.resource_type AND s.resource_id = m.set_id`,
      );
      await q.query(`DELETE FROM ${table} WHERE resource_type = 'AuditEvent' AND resource_id LIKE 's:%'`);
    }
    await q.query(`DROP TABLE idx_row_set`);
    await q.query(`DROP TABLE row_set`);
  }
}
