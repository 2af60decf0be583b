const { Client } = require('/work/main/node_modules/pg');
const { loadR4Definitions } = require('/work/main/dist/src/fhir/definitions');
const { parseSearch } = require('/work/main/dist/src/fhir/search/parse');
const { buildSearchPlan } = require('/work/main/dist/src/fhir/search/plan');
(async () => {
  const db = new Client({ connectionString: process.argv[2] }); await db.connect();
  const [{ station_id }] = (await db.query(`SELECT station_id FROM resource LIMIT 1`)).rows;
  console.log((await db.query(`SELECT count(*) FROM resource WHERE resource_type='AuditEvent'`)).rows[0], (await db.query(`SELECT count(*) FROM idx_row_set`).catch(() => ({rows:[{}]}))).rows[0]);
  const defs = loadR4Definitions();
  for (const q of process.argv.slice(3)) {
    const [type, qs] = q.split('?');
    const req = parseSearch(type, [...new URLSearchParams(qs)], defs);
    const plan = buildSearchPlan(req, { stationId: station_id, timeZone: 'Asia/Ho_Chi_Minh', baseUrl: 'http://x/fhir' });
    for (const [name, sql, params] of [['page', plan.pageSql, plan.params], ...(req.total === 'accurate' ? [['count', plan.countSql, plan.countParams]] : [])]) {
      const r = await db.query('EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) ' + sql, params);
      console.log(`\n== ${q} (${name})`); console.log(r.rows.map((x) => x['QUERY PLAN']).join('\n'));
    }
  }
  await db.end();
})();
