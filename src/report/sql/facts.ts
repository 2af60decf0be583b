import type { Transaction } from '../../db/database';
import { NOT_CARE_GIVEN } from '../../station/phr/health-managed';
import { RECORD_DATES } from '../config';

/**
 * The report's per-resident facts (tables of migrations/1766500000000-ReportFacts.ts), derived from
 * the index tables: brought up to date for every resource a write queued since the last report,
 * before the report counts (queryable.ts), so a committed write is always in the next report.
 *
 * Facts keep the raw codes, not the configuration's verdicts: the report applies the configured
 * types, statuses, apps… when it counts (population.ts), and a configuration change needs no
 * rebuild. What each table holds:
 *  - report_person: one row per Patient — gender, birth and death dates, the exclusion tokens, the
 *    administrative fields present, the undated residence types, village token and commune codes
 *    (2025 and former: whether an undated residence is in the station's commune);
 *  - report_residence: the Patient's residence rows (`residence-<type>$<village>`, or
 *    `residence-<type>$<commune>` for an address without a village, with period);
 *  - report_fact: one row per card (Coverage period × beneficiary), enrolment (Basic), visit
 *    (Encounter date × subject) and measured Observation (date × subject × value), with its
 *    tokens (`param␟code` and `param␟system␟code`);
 *  - report_record: the date rows of the records the health-managed rule may count (RECORD_DATES:
 *    which of them count is configured), once per Patient whose compartment holds the record;
 *    none for a record that is no care given (NOT_CARE_GIVEN: entered in error, a visit planned or
 *    cancelled). A status change rewrites the compartment rows, so it is refreshed like any write.
 */

/** Separates parameter, system and code in the token strings of report_fact. */
const SEP = '\u001f';

/** The token string of `code` for `param` (any system), as report_fact stores it. */
export const token = (param: string, code: string): string => `${param}${SEP}${code}`;
/** The token string of `system|code` for `param`. */
export const coding = (param: string, system: string, code: string): string => `${param}${SEP}${system}${SEP}${code}`;

/**
 * Which index rows make each kind of fact: date parameter, Patient reference, the token parameters
 * kept by code (`tokens`) and by system and code (`codings`), and the quantity a fact requires.
 */
const FACT_SOURCES: { type: string; date: string; patient: string; tokens: string[]; codings: string[]; quantity?: string }[] = [
  { type: 'Coverage', date: 'period', patient: 'beneficiary', tokens: ['status'], codings: ['type'] },
  { type: 'Basic', date: 'enrolment-period', patient: 'subject', tokens: ['app', 'verification', 'enrolment-status'], codings: [] },
  { type: 'Encounter', date: 'date', patient: 'subject', tokens: ['class', 'status'], codings: [] },
  { type: 'Observation', date: 'date', patient: 'subject', tokens: ['status'], codings: ['code'], quantity: 'value-quantity' },
];

/** Above this many queued resources, the facts are rebuilt from whole index sets (hash joins) rather than resource by resource. */
const WHOLE_REBUILD = 20_000;

const lit = (s: string): string => `'${s.replace(/'/g, "''")}'`;

/**
 * One statement: takes the queued resources (`q`), removes their facts and inserts them anew from
 * the index tables. Its parts see one snapshot, so the facts match exactly the writes whose queue
 * rows it took; writes committed later stay queued for the next refresh.
 * `whole`: every resource of the station instead of the queued ones (after a bulk load).
 */
function refreshStatement(whole: boolean): string {
  const st = '$1::text';
  const owners = whole
    ? `ids AS MATERIALIZED (SELECT DISTINCT resource_type, resource_id FROM idx_compartment WHERE station_id = ${st} AND compartment_type = 'Patient')`
    : `ids AS MATERIALIZED (SELECT DISTINCT resource_type, resource_id FROM q)`;
  /** Rows of `table` (alias `a`) owned by the resource `ids` row `o`. */
  const own = (a: string, o = 'o'): string => `${a}.station_id = ${st} AND ${a}.resource_type = ${o}.resource_type AND ${a}.resource_id = ${o}.resource_id`;
  // By id first (an index lookup however the queue is estimated), then the type.
  const gone = (table: string, type: string): string =>
    whole
      ? `DELETE FROM ${table} WHERE station_id = ${st}`
      : `DELETE FROM ${table} t WHERE t.station_id = ${st} AND t.resource_id = ANY(ARRAY(SELECT resource_id FROM ids)) AND (${type}, t.resource_id) IN (SELECT resource_type, resource_id FROM ids)`;
  const goneResident = (table: string): string =>
    whole
      ? `DELETE FROM ${table} WHERE station_id = ${st}`
      : `DELETE FROM ${table} t WHERE t.station_id = ${st} AND t.rid = ANY(ARRAY(SELECT m.rid FROM report_resident m JOIN ids o ON o.resource_type = 'Patient' AND m.station_id = ${st} AND m.pid = o.resource_id))`;
  const list = (xs: string[]): string => `ARRAY[${xs.map(lit).join(', ')}]::text[]`;
  const sources = FACT_SOURCES.map((s) => `(${lit(s.type)}, ${lit(s.date)}, ${lit(s.patient)}, ${list(s.tokens)}, ${list(s.codings)}, ${s.quantity ? lit(s.quantity) : 'NULL'})`).join(', ');
  const patients = `o.resource_type = 'Patient'`;
  const records = Object.entries(RECORD_DATES).map(([type, param]) => `(${lit(type)}, ${lit(param)})`).join(', ');
  const notCare = Object.entries(NOT_CARE_GIVEN).flatMap(([type, { param, codes }]) => codes.map((code) => `(${lit(type)}, ${lit(param)}, ${lit(code)})`)).join(', ');
  return `WITH q AS (DELETE FROM report_queue WHERE station_id = ${st} RETURNING resource_type, resource_id),
    ${owners},
    del_person AS (${goneResident('report_person')}),
    del_residence AS (${goneResident('report_residence')}),
    del_fact AS (${gone('report_fact', 't.resource_type')}),
    del_record AS (${gone('report_record', 't.resource_type')}),
    person_rows AS (
      SELECT o.resource_id AS pid, tk.gender, dt.birth, dt.death, coalesce(tk.deceased, false) AS deceased, coalesce(tk.inactive, false) AS inactive,
             coalesce(s.has_name, false) AS has_name, coalesce(s.has_address, false) AS has_address,
             coalesce(tk.has_identifier, false) AS has_identifier, coalesce(tk.has_ethnic_group, false) AS has_ethnic_group,
             coalesce(tk.residence_types, '{}') AS residence_types, tk.village, coalesce(tk.communes, '{}') AS communes, coalesce(dt.dated, false) AS dated
        FROM ids o
        LEFT JOIN LATERAL (
          SELECT min(t.code) FILTER (WHERE t.param = 'gender') AS gender,
                 bool_or(t.param = 'deceased' AND t.code = 'true') AS deceased, bool_or(t.param = 'active' AND t.code = 'false') AS inactive,
                 bool_or(t.param = 'identifier') AS has_identifier, bool_or(t.param = 'ethnic-group') AS has_ethnic_group,
                 array_agg(t.code) FILTER (WHERE t.param = 'residence-type' AND t.code IS NOT NULL) AS residence_types,
                 min(t.code) FILTER (WHERE t.param = 'village') AS village,
                 array_agg(t.code) FILTER (WHERE t.param IN ('commune', 'former-commune') AND t.code IS NOT NULL) AS communes
            FROM idx_token t WHERE ${own('t')}) tk ON true
        LEFT JOIN LATERAL (
          SELECT min(d.lo) FILTER (WHERE d.param = 'birthdate') AS birth, min(d.lo) FILTER (WHERE d.param = 'death-date') AS death,
                 bool_or(d.param = 'residence-period') AS dated
            FROM idx_date d WHERE ${own('d')}) dt ON true
        LEFT JOIN LATERAL (
          SELECT bool_or(x.param = 'name:sort') AS has_name, bool_or(x.param = 'address:sort') AS has_address
            FROM idx_string x WHERE ${own('x')} AND x.param IN ('name:sort', 'address:sort')) s ON true
       WHERE ${patients} AND EXISTS (SELECT 1 FROM idx_compartment c WHERE ${own('c')})),
    residence_rows AS (
      SELECT o.resource_id AS pid, d.param, d.lo, d.hi
        FROM ids o CROSS JOIN LATERAL (SELECT d.param, d.lo, d.hi FROM idx_date d WHERE ${own('d')} AND d.param LIKE 'residence-%$%' AND d.param NOT LIKE '%|%' OFFSET 0) d
       WHERE ${patients}),
    fact_rows AS (
      SELECT o.resource_type, o.resource_id, r.target_id AS pid, d.lo, d.hi, coalesce(tk.tokens, '{}') AS tokens, qv.value AS z
        FROM ids o
        JOIN (VALUES ${sources}) AS src(type, date_param, patient_param, token_params, coding_params, quantity_param) ON src.type = o.resource_type
        CROSS JOIN LATERAL (SELECT d.lo, d.hi FROM idx_date d WHERE ${own('d')} AND d.param = src.date_param OFFSET 0) d
        CROSS JOIN LATERAL (SELECT r.target_id FROM idx_reference r WHERE ${own('r')} AND r.param = src.patient_param AND r.target_type = 'Patient' OFFSET 0) r
        LEFT JOIN LATERAL (SELECT qv.value FROM idx_quantity qv WHERE ${own('qv')} AND qv.param = src.quantity_param OFFSET 0) qv ON true
        LEFT JOIN LATERAL (
          SELECT array_agg(CASE WHEN t.param = ANY(src.coding_params) THEN t.param || E'\\x1f' || coalesce(t.system, '') || E'\\x1f' || coalesce(t.code, '')
                                ELSE t.param || E'\\x1f' || coalesce(t.code, '') END) AS tokens
            FROM idx_token t WHERE ${own('t')} AND (t.param = ANY(src.token_params) OR t.param = ANY(src.coding_params))) tk ON true
       WHERE src.quantity_param IS NULL OR qv.value IS NOT NULL),
    record_rows AS (
      SELECT o.resource_type, o.resource_id, c.compartment_id AS pid, d.param, d.lo, d.hi
        FROM ids o
        JOIN (VALUES ${records}) AS rec(type, param) ON rec.type = o.resource_type
        CROSS JOIN LATERAL (SELECT c.compartment_id FROM idx_compartment c WHERE ${own('c')} AND c.compartment_type = 'Patient' OFFSET 0) c
        CROSS JOIN LATERAL (SELECT d.param, d.lo, d.hi FROM idx_date d WHERE ${own('d')} AND d.param = rec.param OFFSET 0) d
       WHERE NOT EXISTS (SELECT 1 FROM idx_token t JOIN (VALUES ${notCare}) AS nc(type, param, code) ON nc.type = t.resource_type AND nc.param = t.param AND nc.code = t.code
                          WHERE ${own('t')})),
    -- Every resident named by these rows, with its number: known ones, and new ones numbered now.
    pids AS MATERIALIZED (SELECT pid FROM person_rows UNION SELECT pid FROM residence_rows UNION SELECT pid FROM fact_rows UNION SELECT pid FROM record_rows),
    known AS MATERIALIZED (SELECT m.pid, m.rid FROM report_resident m JOIN pids USING (pid) WHERE m.station_id = ${st}),
    added AS (INSERT INTO report_resident (station_id, pid) SELECT ${st}, pid FROM pids WHERE pid NOT IN (SELECT pid FROM known) RETURNING pid, rid),
    rids AS MATERIALIZED (SELECT pid, rid FROM known UNION ALL SELECT pid, rid FROM added),
    person AS (INSERT INTO report_person
      SELECT ${st}, m.rid, x.pid, x.gender, x.birth, x.death, x.deceased, x.inactive, x.has_name, x.has_address, x.has_identifier, x.has_ethnic_group,
             x.residence_types, x.village, x.dated, x.communes
        FROM person_rows x JOIN rids m USING (pid)),
    residence AS (INSERT INTO report_residence SELECT ${st}, m.rid, x.param, x.lo, x.hi FROM residence_rows x JOIN rids m USING (pid)),
    -- In the order the report reads them: after a whole rebuild, each type's facts fill pages of their own.
    fact AS (INSERT INTO report_fact SELECT ${st}, x.resource_type, x.resource_id, m.rid, x.lo, x.hi, x.tokens, x.z FROM fact_rows x JOIN rids m USING (pid) ORDER BY x.resource_type, x.hi),
    record AS (INSERT INTO report_record SELECT ${st}, x.resource_type, x.resource_id, m.rid, x.param, x.lo, x.hi FROM record_rows x JOIN rids m USING (pid) ORDER BY x.resource_type, x.param, x.hi)
    SELECT count(*)::int AS n FROM ids`;
}

/**
 * Brings the facts up to date with every committed write (call before the report's settings,
 * which would forbid the index lookups a small refresh needs). Refreshes are serialised per
 * station (transaction-level advisory lock): a second one waits for the first and then sees its
 * facts. Nothing queued: no lock, no write.
 */
export async function refreshFacts(tx: Transaction, stationId: string): Promise<void> {
  const queued = await tx.query<{ n: number }>(`SELECT count(*)::int AS n FROM (SELECT 1 FROM report_queue WHERE station_id = $1 LIMIT ${WHOLE_REBUILD + 1}) q`, [stationId]);
  if (!queued[0].n) return;
  await tx.query(`SELECT pg_advisory_xact_lock(hashtext('report_facts'), hashtext($1))`, [stationId]);
  await tx.query(refreshStatement(queued[0].n > WHOLE_REBUILD), [stationId]);
}
