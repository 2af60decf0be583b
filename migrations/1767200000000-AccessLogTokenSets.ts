import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The access log's token rows move into shared token sets (src/fhir/index/token-sets.ts): each
 * AuditEvent keeps one `_tokens` row naming its set, and each set's rows are stored once under
 * `s:<hash>`. The hash is the one token-sets.ts computes (SHA-256 of the rows' lines in byte order,
 * base64url), so events converted here share their sets with events written afterwards.
 * Written for AuditEvent, the one type kept in sets when this ran.
 */
const LINE = `concat_ws(E'\\x01', param, coalesce(system, E'\\x02'), coalesce(code, E'\\x02'), coalesce(text, E'\\x02'))`;
const SET_ID = `'s:' || rtrim(translate(encode(sha256(convert_to(string_agg(line, E'\\x03' ORDER BY line COLLATE "C"), 'UTF8')), 'base64'), '+/', '-_'), '=')`;

export class AccessLogTokenSets1767200000000 implements MigrationInterface {
  name = 'AccessLogTokenSets1767200000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `CREATE TEMPORARY TABLE event_set AS
       SELECT station_id, resource_type, resource_id, ${SET_ID} AS set_id
         FROM (SELECT DISTINCT station_id, resource_type, resource_id, ${LINE} AS line FROM idx_token
                WHERE resource_type = 'AuditEvent' AND param <> '_tokens' AND resource_id NOT LIKE 's:%') l
        GROUP BY station_id, resource_type, resource_id`,
    );
    await q.query(
      `INSERT INTO idx_token (station_id, resource_type, resource_id, param, system, code, text)
       SELECT DISTINCT e.station_id, e.resource_type, e.set_id, t.param, t.system, t.code, t.text
         FROM event_set e JOIN idx_token t ON t.station_id = e.station_id AND t.resource_type = e.resource_type AND t.resource_id = e.resource_id
        WHERE NOT EXISTS (SELECT 1 FROM idx_token x WHERE x.station_id = e.station_id AND x.resource_type = e.resource_type AND x.resource_id = e.set_id)`,
    );
    await q.query(
      `DELETE FROM idx_token t USING event_set e
        WHERE t.station_id = e.station_id AND t.resource_type = e.resource_type AND t.resource_id = e.resource_id`,
    );
    await q.query(
      `INSERT INTO idx_token (station_id, resource_type, resource_id, param, system, code, text)
       SELECT station_id, resource_type, resource_id, '_tokens', NULL, set_id, NULL FROM event_set`,
    );
    await q.query(`DROP TABLE event_set`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(
      `INSERT INTO idx_token (station_id, resource_type, resource_id, param, system, code, text)
       SELECT m.station_id, m.resource_type, m.resource_id, s.param, s.system, s.code, s.text
         FROM idx_token m JOIN idx_token s ON s.station_id = m.station_id AND s.resource_type = m.resource_type AND s.resource_id = m.code
        WHERE m.resource_type = 'AuditEvent' AND m.param = '_tokens'`,
    );
    await q.query(`DELETE FROM idx_token WHERE resource_type = 'AuditEvent' AND (param = '_tokens' OR resource_id LIKE 's:%')`);
  }
}
