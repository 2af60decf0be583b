import type { ReportConfig } from '../config';
import { residenceParam } from '../canonical';
import type { ReportWindow } from '../period';
import type { SqlParams } from './params';

/**
 * The population as of the reference date, built in PostgreSQL from the search index tables (never
 * by loading resources into Node): one row per resident with village, sex, age group and the facts
 * each indicator needs, as columns of the CTE `flags`.
 *
 * Every row carries `k`, the number of its window (CTE `dates`): the trend counts its twelve months
 * in one statement, reading each index range once.
 *
 * Every fact is a set read with one index range scan on (station, type, param) and joined on ids:
 * the report reads whole sets, so hash joins are the right plan (queryable.ts turns nested loops
 * off: the planner cannot estimate these self-joins of the index tables; where a small set meets
 * large ones, the height-for-age z-scores among all Observations, the statement fixes the order).
 *
 * Residence comes from the composite parameters residence-<type> (village$period, one row per
 * residence address: fhir-profiles/measures/search/), so a resident who moved between villages is
 * counted in the village whose residence covers the date. A resident whose residence addresses
 * carry no dates at all lives there "always" (village from the plain `village` token).
 */

/** Facts a measure needs; only those asked for become CTEs. */
export type Feature = 'bhyt' | 'enrolment' | 'remote' | 'haz' | 'records';

export interface PopulationQuery {
  stationId: string;
  config: ReportConfig;
  /** One reference date and period, or several (the trend's months) counted in the same statement. */
  windows: ReportWindow[];
  timeZone: string;
  /** Village codes of the station (the index keys are looked up per village, plus "unknown"). */
  villages: string[];
  /** Only this village's residents (subject = a village Location). */
  village?: string;
  features: Set<Feature>;
}

const FAR_FUTURE = '9999-01-01T00:00:00Z';

/** The span of all windows, as constants the index scans can use before rows meet `dates` (bound when used). */
function span(q: PopulationQuery, p: SqlParams): Record<'dayStart' | 'dayEnd' | 'periodStart' | 'periodEnd', () => string> {
  const bound = (pick: (w: ReportWindow) => Date, extreme: (...xs: number[]) => number) => () => p.add(new Date(extreme(...q.windows.map((w) => pick(w).getTime()))));
  return {
    dayStart: bound((w) => w.dayStart, Math.min),
    dayEnd: bound((w) => w.dayEnd, Math.max),
    periodStart: bound((w) => w.periodStart, Math.min),
    periodEnd: bound((w) => w.periodEnd, Math.max),
  };
}

/** Rows of one index table for (station, type, param): `… FROM <table> WHERE …` plus extra conditions. */
function rows(table: string, type: string, param: string, st: string, extra = ''): string {
  return `FROM ${table} WHERE station_id = ${st} AND resource_type = '${type}' AND param = '${param}'${extra ? ` AND ${extra}` : ''}`;
}

/** Resource ids of `type` referring to a Patient through `param`, with that Patient's id. */
function subjects(type: string, param: string, st: string): string {
  return `SELECT resource_id, target_id AS pid ${rows('idx_reference', type, param, st, `target_type = 'Patient'`)}`;
}

/** `WITH … flags AS (…)`: the statement's start; callers select from `flags`. */
export function populationCtes(q: PopulationQuery, p: SqlParams): string {
  const st = p.add(q.stationId);
  const ctes = [datesCte(q, p), residenceCte(q, p, st), personCte(q, p, st)];
  if (q.features.has('bhyt')) ctes.push(bhytCte(q, p, st));
  if (q.features.has('enrolment')) ctes.push(enrolmentCte(q, p, st));
  if (q.features.has('remote')) ctes.push(remoteCte(q, p, st));
  if (q.features.has('haz')) ctes.push(hazCte(q, p, st));
  if (q.features.has('records')) ctes.push(recordsCte(q, p, st), administrativeCte(q, st));
  ctes.push(flagsCte(q));
  return `WITH ${ctes.join(',\n')}`;
}

/** The windows: k, reference date, its day as instants [day_start, day_end), the period [period_start, period_end). */
function datesCte(q: PopulationQuery, p: SqlParams): string {
  const w = q.windows;
  return `dates AS MATERIALIZED (
    SELECT * FROM unnest(${p.add(w.map((x) => x.period.end))}::date[], ${p.add(w.map((x) => x.dayStart))}::timestamptz[], ${p.add(w.map((x) => x.dayEnd))}::timestamptz[],
                         ${p.add(w.map((x) => x.periodStart))}::timestamptz[], ${p.add(w.map((x) => x.periodEnd))}::timestamptz[])
           WITH ORDINALITY AS t(ref, day_start, day_end, period_start, period_end, k)
  )`;
}

function residenceCte(q: PopulationQuery, p: SqlParams, st: string): string {
  const types = p.add(q.config.residenceTypes);
  // One key per residence type and village (docs/report.md, "How it is computed"), with its village and the rank of its type.
  const keys = q.config.residenceTypes.flatMap((t, i) => [...q.villages, 'unknown'].map((village) => ({ param: `${residenceParam(t)}$${village}`, village, rank: i + 1 })));
  const params = p.add(keys.map((k) => k.param));
  const b = span(q, p);
  return `residence AS (
    SELECT DISTINCT ON (k, pid) k, pid, village FROM (
      SELECT dt.k, d.resource_id AS pid, key.village, key.rank, d.lo
        FROM idx_date d
        JOIN unnest(${params}::text[], ${p.add(keys.map((k) => k.village))}::text[], ${p.add(keys.map((k) => k.rank))}::int[]) AS key(param, village, rank) ON key.param = d.param
        JOIN dates dt ON d.lo < dt.day_end AND d.hi > dt.day_start
       WHERE d.station_id = ${st} AND d.resource_type = 'Patient' AND d.param = ANY(${params}::text[])
         AND d.lo < ${b.dayEnd()} AND d.hi > ${b.dayStart()}
      UNION ALL
      SELECT dt.k, t.resource_id, coalesce(v.code, 'unknown'), array_position(${types}::text[], t.code), '-infinity'::timestamptz
        FROM (SELECT resource_id, code ${rows('idx_token', 'Patient', 'residence-type', st, `code = ANY(${types}::text[])`)}) t
        CROSS JOIN dates dt
        LEFT JOIN (SELECT resource_id, min(code) AS code ${rows('idx_token', 'Patient', 'village', st)} GROUP BY resource_id) v ON v.resource_id = t.resource_id
       WHERE t.resource_id NOT IN (SELECT resource_id ${rows('idx_date', 'Patient', 'residence-period', st)})
    ) c
    ORDER BY k, pid, rank, village = 'unknown', lo DESC
  )`;
}

/** Sex (male, female, other, unknown), birth date in the station's zone, age group on the reference date, exclusions. */
function personCte(q: PopulationQuery, p: SqlParams, st: string): string {
  const tz = p.add(q.timeZone);
  const years = `extract(year FROM age(dt.ref, b.birth))`;
  const dead = `(r.pid IN (SELECT resource_id ${rows('idx_token', 'Patient', 'deceased', st, `code = 'true'`)}) AND (death.lo IS NULL OR death.lo < dt.day_end))`;
  const inactive = `r.pid IN (SELECT resource_id ${rows('idx_token', 'Patient', 'active', st, `code = 'false'`)})`;
  const excluded = [q.config.exclusions.deceased ? dead : '', q.config.exclusions.inactive ? inactive : ''].filter(Boolean);
  return `person AS MATERIALIZED (
    SELECT r.k, r.pid, r.village, CASE WHEN g.code IN ('male', 'female', 'other') THEN g.code ELSE 'unknown' END AS sex, g.code AS gender, b.birth,
           CASE WHEN b.birth IS NULL OR b.birth > dt.ref THEN 'unknown'
                WHEN ${years} < 5 THEN '0-4' WHEN ${years} < 18 THEN '5-17' WHEN ${years} < 60 THEN '18-59' ELSE '60+' END AS age_group,
           ${excluded.length ? excluded.join(' OR ') : 'false'} AS excluded
      FROM residence r
      JOIN dates dt ON dt.k = r.k
      -- gender, birthDate and deceasedDateTime are 0..1: at most one index row each, no grouping needed.
      -- OFFSET 0: the birth date is converted once per Patient, not at each of its uses below.
      LEFT JOIN (SELECT resource_id, code ${rows('idx_token', 'Patient', 'gender', st)}) g ON g.resource_id = r.pid
      LEFT JOIN (SELECT resource_id, (lo AT TIME ZONE ${tz})::date AS birth ${rows('idx_date', 'Patient', 'birthdate', st)} OFFSET 0) b ON b.resource_id = r.pid
      LEFT JOIN (SELECT resource_id, lo ${rows('idx_date', 'Patient', 'death-date', st)}) death ON death.resource_id = r.pid
     ${q.village !== undefined ? `WHERE r.village = ${p.add(q.village)}` : ''}
  )`;
}

/** Residents holding a card of the configured type and status whose period covers the reference date. */
function bhytCte(q: PopulationQuery, p: SqlParams, st: string): string {
  const c = q.config.coverage;
  const w = span(q, p);
  return `bhyt AS (
    SELECT DISTINCT dt.k, b.pid
      FROM (SELECT resource_id, lo, hi ${rows('idx_date', 'Coverage', 'period', st, `lo < ${w.dayEnd()} AND hi > ${w.dayStart()}`)}) d
      JOIN dates dt ON d.lo < dt.day_end AND d.hi > dt.day_start
      JOIN (${subjects('Coverage', 'beneficiary', st)}) b ON b.resource_id = d.resource_id
     WHERE d.resource_id IN (
       SELECT resource_id ${rows('idx_token', 'Coverage', 'status', st, `code = ANY(${p.add(c.statuses)}::text[])`)}
       INTERSECT SELECT resource_id ${rows('idx_token', 'Coverage', 'type', st, `code = ANY(${p.add(c.typeCodes)}::text[]) AND system = ${p.add(c.typeSystem)}`)})
  )`;
}

/**
 * Per resident, whether an enrolment of each kind is active on the reference date: enrolled on or
 * before it, not withdrawn by it (the withdrawal day no longer counts). A "withdrawn" status
 * without a date never counts.
 */
function enrolmentCte(q: PopulationQuery, p: SqlParams, st: string): string {
  const c = q.config;
  const apps = [...new Set([...c.eHealthBook.apps, ...c.telemedicine.apps, ...c.appCounts.apps])];
  const any = (list: string[], verifications: string[]): string =>
    `bool_or(a.code = ANY(${p.add(list)}::text[]) AND v.code = ANY(${p.add(verifications)}::text[]))`;
  const w = span(q, p);
  const perApp = c.appCounts.apps.map((app, i) => `, ${any([app], c.appCounts.verifications)} AS app_${i}`).join('');
  return `enrolment AS (
    SELECT dt.k, s.pid, ${any(c.eHealthBook.apps, c.eHealthBook.verifications)} AS e_health_book,
           ${any(c.telemedicine.apps, c.telemedicine.verifications)} AS telemedicine${perApp}
      FROM (SELECT resource_id, code ${rows('idx_token', 'Basic', 'app', st, `code = ANY(${p.add(apps)}::text[])`)}) a
      JOIN (SELECT resource_id, lo, hi ${rows('idx_date', 'Basic', 'enrolment-period', st, `lo < ${w.dayEnd()} AND hi > ${w.dayStart()}`)}) d ON d.resource_id = a.resource_id
      JOIN dates dt ON d.lo < dt.day_end AND d.hi > dt.day_end
      JOIN (SELECT resource_id, code ${rows('idx_token', 'Basic', 'verification', st)}) v ON v.resource_id = a.resource_id
      JOIN (${subjects('Basic', 'subject', st)}) s ON s.resource_id = a.resource_id
     WHERE d.hi < '${FAR_FUTURE}' OR a.resource_id NOT IN (SELECT resource_id ${rows('idx_token', 'Basic', 'enrolment-status', st, `code = 'withdrawn'`)})
     GROUP BY dt.k, s.pid
  )`;
}

/** Residents with a remote consultation that took place (class VR…) in the usage window. */
function remoteCte(q: PopulationQuery, p: SqlParams, st: string): string {
  const t = q.config.telemedicine;
  const from = t.usageWindow === 'period' ? 'dt.period_start' : `'-infinity'::timestamptz`;
  const w = span(q, p);
  const earliest = t.usageWindow === 'period' ? w.periodStart() : `'-infinity'::timestamptz`;
  return `remote AS (
    SELECT DISTINCT dt.k, s.pid
      FROM (SELECT resource_id, lo, hi ${rows('idx_date', 'Encounter', 'date', st, `lo < ${w.periodEnd()} AND hi > ${earliest}`)}) d
      JOIN dates dt ON d.lo < dt.period_end AND d.hi > ${from}
      JOIN (${subjects('Encounter', 'subject', st)}) s ON s.resource_id = d.resource_id
     WHERE d.resource_id IN (
       SELECT resource_id ${rows('idx_token', 'Encounter', 'class', st, `code = ANY(${p.add(t.encounterClasses)}::text[])`)}
       EXCEPT SELECT resource_id ${rows('idx_token', 'Encounter', 'status', st, `code IN ('planned', 'cancelled', 'entered-in-error')`)})
  )`;
}

/**
 * Each resident child's latest height-for-age z-score measured in the period at 0–59 months. The
 * z-scores are a small share of the Observations: found by code first, then joined with the status,
 * date, value and subject rows of all Observations, each range read once and probed against the few
 * z-scores. `OFFSET 0` keeps that order: the planner, which cannot estimate these joins, would start
 * from every Observation's subject and date joined with the residents.
 */
function hazCte(q: PopulationQuery, p: SqlParams, st: string): string {
  const s = q.config.stunting;
  const tz = p.add(q.timeZone);
  const day = `(c.lo AT TIME ZONE ${tz})::date`;
  const w = span(q, p);
  return `haz AS (
    SELECT DISTINCT ON (pr.k, pr.pid) pr.k, pr.pid, c.z
      FROM (SELECT o.resource_id, d.lo, z.value AS z, r.pid
              FROM (SELECT DISTINCT resource_id ${rows('idx_token', 'Observation', 'code', st, `code = ${p.add(s.code)} AND system = ${p.add(s.system)}`)}) o
              JOIN (SELECT resource_id ${rows('idx_token', 'Observation', 'status', st, `code IN ('final', 'amended', 'corrected')`)}) ok ON ok.resource_id = o.resource_id
              JOIN (SELECT resource_id, lo ${rows('idx_date', 'Observation', 'date', st, `lo >= ${w.periodStart()} AND lo < ${w.periodEnd()}`)}) d ON d.resource_id = o.resource_id
              JOIN (SELECT resource_id, value ${rows('idx_quantity', 'Observation', 'value-quantity', st)}) z ON z.resource_id = o.resource_id
              JOIN (${subjects('Observation', 'subject', st)}) r ON r.resource_id = o.resource_id
            OFFSET 0) c
      JOIN person pr ON pr.pid = c.pid
      JOIN dates dt ON dt.k = pr.k AND c.lo >= dt.period_start AND c.lo < dt.period_end
     WHERE pr.birth IS NOT NULL AND ${day} >= pr.birth AND ${day} < pr.birth + make_interval(months => ${p.add(s.maxAgeMonths)}::int)
     ORDER BY pr.k, pr.pid, c.lo DESC, c.z
  )`;
}

/**
 * How many records of the configured types, dated in the period, each resident has (a record's date
 * is one index row). Each type's dated records join that type's Patient compartment rows on the id
 * alone: smaller hash tables than one join of all types on (type, id).
 */
function recordsCte(q: PopulationQuery, p: SqlParams, st: string): string {
  const w = span(q, p);
  const dated = q.config.healthManaged.records.map((x) => `SELECT c.compartment_id AS pid, d.lo, d.hi
        FROM (SELECT resource_id, lo, hi ${rows('idx_date', x.type, x.param, st, `lo < ${w.periodEnd()} AND hi > ${w.periodStart()}`)}) d
        JOIN (SELECT resource_id, compartment_id FROM idx_compartment WHERE station_id = ${st} AND resource_type = '${x.type}' AND compartment_type = 'Patient') c
          ON c.resource_id = d.resource_id`);
  return `records AS (
    SELECT dt.k, r.pid, count(*) AS n
      FROM (${dated.length ? dated.join('\n      UNION ALL ') : 'SELECT NULL::text, NULL::timestamptz, NULL::timestamptz WHERE false'}) r (pid, lo, hi)
      JOIN dates dt ON r.lo < dt.period_end AND r.hi > dt.period_start
     GROUP BY dt.k, r.pid
  )`;
}

/**
 * Residents whose personal health record has its administrative part (Decision 831 part A)
 * complete. Names and addresses are checked on their one sort key per resource (`name:sort`,
 * `address:sort`: src/fhir/index/extract.ts), not on every word indexed.
 */
function administrativeCte(q: PopulationQuery, st: string): string {
  const has = (table: string, param: string): string => `SELECT resource_id ${rows(table, 'Patient', param, st)}`;
  const checks: Record<string, string> = {
    name: `pr.pid IN (${has('idx_string', 'name:sort')})`,
    birthDate: 'pr.birth IS NOT NULL',
    gender: 'pr.gender IS NOT NULL',
    address: `pr.pid IN (${has('idx_string', 'address:sort')})`,
    identifier: `pr.pid IN (${has('idx_token', 'identifier')})`,
    ethnicGroup: `pr.pid IN (${has('idx_token', 'ethnic-group')})`,
  };
  const required = q.config.healthManaged.requiredAdministrative.map((f) => checks[f]).filter(Boolean);
  return `administrative AS (SELECT pr.k, pr.pid FROM person pr WHERE ${required.length ? required.join(' AND ') : 'true'})`;
}

function flagsCte(q: PopulationQuery): string {
  const f = q.features;
  const cols = ['pr.k', 'pr.pid', 'pr.village', 'pr.sex', 'pr.age_group', 'pr.excluded'];
  const joins: string[] = [];
  if (f.has('bhyt')) {
    cols.push('bh.pid IS NOT NULL AS bhyt');
    joins.push('LEFT JOIN bhyt bh ON bh.k = pr.k AND bh.pid = pr.pid');
  }
  if (f.has('enrolment')) {
    cols.push('coalesce(en.e_health_book, false) AS e_health_book', 'coalesce(en.telemedicine, false) AS telemedicine', ...q.config.appCounts.apps.map((_, i) => `coalesce(en.app_${i}, false) AS app_${i}`));
    joins.push('LEFT JOIN enrolment en ON en.k = pr.k AND en.pid = pr.pid');
  }
  if (f.has('remote')) {
    cols.push('rm.pid IS NOT NULL AS remote');
    joins.push('LEFT JOIN remote rm ON rm.k = pr.k AND rm.pid = pr.pid');
  }
  if (f.has('haz')) {
    cols.push('hz.z');
    joins.push('LEFT JOIN haz hz ON hz.k = pr.k AND hz.pid = pr.pid');
  }
  if (f.has('records')) {
    cols.push('coalesce(rc.n, 0) AS records', 'ad.pid IS NOT NULL AS administrative');
    joins.push('LEFT JOIN records rc ON rc.k = pr.k AND rc.pid = pr.pid', 'LEFT JOIN administrative ad ON ad.k = pr.k AND ad.pid = pr.pid');
  }
  return `flags AS (SELECT ${cols.join(', ')} FROM person pr ${joins.join(' ')})`;
}
