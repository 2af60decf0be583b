import type { ReportConfig } from '../config';
import { residenceParam } from '../canonical';
import type { ReportWindow } from '../period';
import { coding, token } from './facts';
import type { SqlParams } from './params';

/**
 * The population as of the reference date, built in PostgreSQL from the report's per-resident facts
 * (src/report/sql/facts.ts; never by loading resources into Node): one row per resident with
 * village, sex, age group and the facts each indicator needs, as columns of the CTE `flags`.
 *
 * Every row carries `k`, the number of its window (CTE `dates`): the trend counts its twelve months
 * in one statement, reading each range once.
 *
 * Each fact is one range read of a narrow table already keyed by the resident's number (rid),
 * joined and grouped on that integer; the configured codes (card types and statuses, apps, visit classes, the z-score's
 * code…) are applied here, to the raw tokens the facts keep. The report reads whole sets, so hash
 * joins are the right plan (queryable.ts turns nested loops off).
 *
 * Residence comes from the composite parameters residence-<type> (village$period, or commune$period
 * without a village; one row per residence address: fhir-profiles/measures/search/), so a resident
 * who moved between villages is counted in the village whose residence covers the date, and one
 * who moved out of the commune stops counting from the start of the residence elsewhere. A resident
 * whose residence addresses carry no dates at all lives there "always" (village from the plain
 * `village` token; in the commune when it has a village or one of the commune's codes).
 */

/** Facts a measure needs; only those asked for become CTEs. */
export type Feature = 'bhyt' | 'enrolment' | 'remote' | 'haz' | 'records';

export interface PopulationQuery {
  stationId: string;
  config: ReportConfig;
  /** One reference date and period, or several (the trend's months) counted in the same statement. */
  windows: ReportWindow[];
  timeZone: string;
  /** Village codes of the station (the index keys are looked up per village). */
  villages: string[];
  /**
   * The station's commune codes: the 2025 commune and its former communes (what `inStationCommune`
   * accepts). A residence without a village is in the commune, in the village "unknown", when it
   * carries one of them; any other is elsewhere.
   */
  communes: string[];
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

/** `WITH … flags AS (…)`: the statement's start; callers select from `flags`. */
export function populationCtes(q: PopulationQuery, p: SqlParams): string {
  const st = p.add(q.stationId);
  const ctes = [datesCte(q, p), residenceCte(q, p, st), personCte(q, p, st)];
  if (q.features.has('bhyt')) ctes.push(bhytCte(q, p, st));
  if (q.features.has('enrolment')) ctes.push(enrolmentCte(q, p, st));
  if (q.features.has('remote')) ctes.push(remoteCte(q, p, st));
  if (q.features.has('haz')) ctes.push(hazCte(q, p, st));
  if (q.features.has('records')) ctes.push(recordsCte(q, p, st));
  const residentFacts = residentFactsCte(q);
  if (residentFacts) ctes.push(residentFacts);
  ctes.push(flagsCte(q));
  return `WITH ${ctes.join(',\n')}`;
}

/**
 * The windows: k, reference date, its day as instants [day_start, day_end), the period
 * [period_start, period_end), and the age groups' bounds: `born_<n>` is the first instant (station
 * zone) of the day after the date n years before the reference date — a resident born at or after
 * it is under n in completed years (what extract(year FROM age(ref, birth)) < n says, with instants
 * compared instead of each birth converted to a local date and aged).
 */
function datesCte(q: PopulationQuery, p: SqlParams): string {
  const w = q.windows;
  const tz = p.add(q.timeZone);
  const born = (years: number): string => `((t.ref - interval '${years} years')::date + 1)::timestamp AT TIME ZONE ${tz} AS born_${years}`;
  return `dates AS MATERIALIZED (
    SELECT t.*, ${AGE_BOUNDS.map(born).join(', ')}
      FROM unnest(${p.add(w.map((x) => x.period.end))}::date[], ${p.add(w.map((x) => x.dayStart))}::timestamptz[], ${p.add(w.map((x) => x.dayEnd))}::timestamptz[],
                  ${p.add(w.map((x) => x.periodStart))}::timestamptz[], ${p.add(w.map((x) => x.periodEnd))}::timestamptz[])
           WITH ORDINALITY AS t(ref, day_start, day_end, period_start, period_end, k)
  )`;
}

/** Upper bounds (completed years) of the age groups <5, 5–17, 18–59; ≥60 is the rest. */
const AGE_BOUNDS = [5, 18, 60];

/**
 * Each resident's residence on each date: the covering residences of the counted types, in the
 * commune (a station village, or a commune code without a village: "unknown") or elsewhere. A
 * residence elsewhere ends residency in the commune from its start: only the commune's
 * residences that started at or after the latest covering one elsewhere count (moving back counts
 * again; at the same start the commune wins). Among those, the first type in `residenceTypes`
 * wins, then a known village, then the latest start.
 */
function residenceCte(q: PopulationQuery, p: SqlParams, st: string): string {
  const types = p.add(q.config.residenceTypes);
  const places = [...q.villages.map((code) => ({ code, village: code })), ...q.communes.map((code) => ({ code, village: 'unknown' }))];
  // One key per residence type and place in the commune (docs/report.md, "How it is computed"), with its village and the rank of its type.
  const keys = q.config.residenceTypes.flatMap((t, i) => places.map(({ code, village }) => ({ param: `${residenceParam(t)}$${code}`, village, rank: i + 1 })));
  const b = span(q, p);
  return `residence_rows AS MATERIALIZED (
    SELECT dt.k, d.rid, key.village, key.rank, d.lo
      FROM report_residence d
      LEFT JOIN unnest(${p.add(keys.map((k) => k.param))}::text[], ${p.add(keys.map((k) => k.village))}::text[], ${p.add(keys.map((k) => k.rank))}::int[]) AS key(param, village, rank) ON key.param = d.param
      JOIN dates dt ON d.lo < dt.day_end AND d.hi > dt.day_start
     WHERE d.station_id = ${st} AND split_part(d.param, '$', 1) = ANY(${p.add(q.config.residenceTypes.map(residenceParam))}::text[]) AND d.lo < ${b.dayEnd()} AND d.hi > ${b.dayStart()}
  ),
  moved_away AS (SELECT k, rid, max(lo) AS lo FROM residence_rows WHERE village IS NULL GROUP BY k, rid),
  residence AS (
    SELECT DISTINCT ON (k, rid) k, rid, village FROM (
      SELECT r.k, r.rid, r.village, r.rank, r.lo
        FROM residence_rows r LEFT JOIN moved_away m ON m.k = r.k AND m.rid = r.rid
       WHERE r.village IS NOT NULL AND (m.lo IS NULL OR r.lo >= m.lo)
      UNION ALL
      SELECT dt.k, u.rid, coalesce(u.village, 'unknown'), array_position(${types}::text[], u.code), '-infinity'::timestamptz
        FROM (SELECT pr.rid, pr.village, t.code FROM report_person pr, unnest(pr.residence_types) AS t(code)
               WHERE pr.station_id = ${st} AND NOT pr.dated AND t.code = ANY(${types}::text[])
                 AND (pr.village IS NOT NULL OR pr.communes && ${p.add(q.communes)}::text[])) u
        CROSS JOIN dates dt
    ) c
    ORDER BY k, rid, rank, village = 'unknown', lo DESC
  )`;
}

/** Sex (male, female, other, unknown), birth (the first instant of the birth date), age group on the reference date, exclusions. */
function personCte(q: PopulationQuery, p: SqlParams, st: string): string {
  const excluded = [q.config.exclusions.deceased ? '(f.deceased AND (f.death IS NULL OR f.death < dt.day_end))' : '', q.config.exclusions.inactive ? 'f.inactive' : ''].filter(Boolean);
  const groups = ['0-4', '5-17', '18-59'].map((group, i) => `WHEN f.birth >= dt.born_${AGE_BOUNDS[i]} THEN '${group}'`).join(' ');
  return `person AS MATERIALIZED (
    SELECT r.k, r.rid, f.pid, r.village, CASE WHEN f.gender IN ('male', 'female', 'other') THEN f.gender ELSE 'unknown' END AS sex, f.gender, f.birth,
           CASE WHEN f.birth IS NULL OR f.birth >= dt.day_end THEN 'unknown' ${groups} ELSE '60+' END AS age_group,
           ${excluded.length ? excluded.join(' OR ') : 'false'} AS excluded,
           f.has_name, f.has_address, f.has_identifier, f.has_ethnic_group
      FROM residence r
      JOIN dates dt ON dt.k = r.k
      JOIN (SELECT rid, pid, gender, birth, death, deceased, inactive, has_name, has_address, has_identifier, has_ethnic_group
              FROM report_person WHERE station_id = ${st}) f ON f.rid = r.rid
     ${q.village !== undefined ? `WHERE r.village = ${p.add(q.village)}` : ''}
  )`;
}

/** Facts of `type` (report_fact) in the station meeting `conditions`, as the relation `f`. */
function facts(type: string, st: string, conditions: string): string {
  return `(SELECT f.rid, f.lo, f.hi, f.tokens, f.z FROM report_fact f WHERE f.station_id = ${st} AND f.resource_type = '${type}' AND ${conditions}) f`;
}

/** Cards of the configured type and status whose period covers the reference date, by holder. */
function bhytCte(q: PopulationQuery, p: SqlParams, st: string): string {
  const c = q.config.coverage;
  const w = span(q, p);
  const statuses = p.add(c.statuses.map((s) => token('status', s)));
  const types = p.add(c.typeCodes.map((code) => coding('type', c.typeSystem, code)));
  return `bhyt AS (
    SELECT dt.k, f.rid
      FROM ${facts('Coverage', st, `f.lo < ${w.dayEnd()} AND f.hi > ${w.dayStart()} AND f.tokens && ${statuses}::text[] AND f.tokens && ${types}::text[]`)}
      JOIN dates dt ON f.lo < dt.day_end AND f.hi > dt.day_start
  )`;
}

/**
 * Enrolments active on the reference date, with the kinds each counts for: enrolled on or before
 * it, not withdrawn by it (the withdrawal day no longer counts). A "withdrawn" status without a
 * date never counts. An enrolment counts for a kind when one of its apps and one of its
 * verifications are among the kind's.
 */
function enrolmentCte(q: PopulationQuery, p: SqlParams, st: string): string {
  const c = q.config;
  const apps = [...new Set([...c.eHealthBook.apps, ...c.telemedicine.apps, ...c.appCounts.apps])];
  const tokens = (param: string, codes: string[]): string => `${p.add(codes.map((code) => token(param, code)))}::text[]`;
  // Each distinct list of verifications is checked once per enrolment (column v<n>), then combined with each kind's apps.
  const verifications = [...new Set([c.eHealthBook, c.telemedicine, c.appCounts].map((k) => JSON.stringify(k.verifications)))];
  const verified = (list: string[]): string => `f.v${verifications.indexOf(JSON.stringify(list))}`;
  const any = (list: string[], of: string[]): string => `(${verified(of)} AND f.tokens && ${tokens('app', list)})`;
  const w = span(q, p);
  const perApp = c.appCounts.apps.map((app, i) => `, ${any([app], c.appCounts.verifications)} AS app_${i}`).join('');
  return `enrolment AS (
    SELECT dt.k, f.rid, ${any(c.eHealthBook.apps, c.eHealthBook.verifications)} AS e_health_book,
           ${any(c.telemedicine.apps, c.telemedicine.verifications)} AS telemedicine${perApp}
      FROM (SELECT f.rid, f.lo, f.hi, f.tokens, ${verifications.map((list, i) => `f.tokens && ${tokens('verification', JSON.parse(list) as string[])} AS v${i}`).join(', ')}
              FROM report_fact f
             WHERE f.station_id = ${st} AND f.resource_type = 'Basic' AND f.lo < ${w.dayEnd()} AND f.hi > ${w.dayStart()} AND f.tokens && ${tokens('app', apps)}
               AND (f.hi < '${FAR_FUTURE}' OR NOT f.tokens @> ARRAY[${p.add(token('enrolment-status', 'withdrawn'))}::text])
            OFFSET 0) f
      JOIN dates dt ON f.lo < dt.day_end AND f.hi > dt.day_end
  )`;
}

/**
 * Statuses of a remote consultation that took place — "at least one remote consultation" (domain
 * README §2, 14.3): under way (`$start` makes the Encounter in-progress: the call is held) or
 * finished. Planned, arrived and triaged (waiting), on leave, cancelled, entered in error and
 * unknown are not a consultation held.
 */
const HELD = ['in-progress', 'finished'];

/** Remote consultations that took place (class VR…) in the usage window, by resident. */
function remoteCte(q: PopulationQuery, p: SqlParams, st: string): string {
  const t = q.config.telemedicine;
  const from = t.usageWindow === 'period' ? 'dt.period_start' : `'-infinity'::timestamptz`;
  const w = span(q, p);
  const earliest = t.usageWindow === 'period' ? w.periodStart() : `'-infinity'::timestamptz`;
  const classes = p.add(t.encounterClasses.map((c) => token('class', c)));
  const held = p.add(HELD.map((s) => token('status', s)));
  return `remote AS (
    SELECT dt.k, f.rid
      FROM ${facts('Encounter', st, `f.lo < ${w.periodEnd()} AND f.hi > ${earliest} AND f.tokens && ${classes}::text[] AND f.tokens && ${held}::text[]`)}
      JOIN dates dt ON f.lo < dt.period_end AND f.hi > ${from}
  )`;
}

/** Each resident child's latest height-for-age z-score measured in the period at 0–59 months. */
function hazCte(q: PopulationQuery, p: SqlParams, st: string): string {
  const s = q.config.stunting;
  const tz = p.add(q.timeZone);
  const day = `(f.lo AT TIME ZONE ${tz})::date`;
  const birth = `(pr.birth AT TIME ZONE ${tz})::date`;
  const w = span(q, p);
  const final = p.add(['final', 'amended', 'corrected'].map((x) => token('status', x)));
  return `haz AS (
    SELECT DISTINCT ON (pr.k, pr.rid) pr.k, pr.rid, f.z
      FROM ${facts('Observation', st, `f.tokens @> ARRAY[${p.add(coding('code', s.system, s.code))}::text] AND f.tokens && ${final}::text[]
         AND f.hi > ${w.periodStart()} AND f.lo >= ${w.periodStart()} AND f.lo < ${w.periodEnd()}`)}
      JOIN person pr ON pr.rid = f.rid
      JOIN dates dt ON dt.k = pr.k AND f.lo >= dt.period_start AND f.lo < dt.period_end
     WHERE pr.birth IS NOT NULL AND ${day} >= ${birth} AND ${day} < ${birth} + make_interval(months => ${p.add(s.maxAgeMonths)}::int)
     ORDER BY pr.k, pr.rid, f.lo DESC, f.z
  )`;
}

/** How many records of the configured types, dated in the period, each resident has (one per dated row). */
function recordsCte(q: PopulationQuery, p: SqlParams, st: string): string {
  const w = span(q, p);
  const records = q.config.healthManaged.records;
  return `records AS (
    SELECT dt.k, r.rid, count(*) AS n
      FROM report_record r
      JOIN unnest(${p.add(records.map((x) => x.type))}::text[], ${p.add(records.map((x) => x.param))}::text[]) AS x(type, param) ON x.type = r.resource_type AND x.param = r.param
      JOIN dates dt ON r.lo < dt.period_end AND r.hi > dt.period_start
     WHERE r.station_id = ${st} AND r.lo < ${w.periodEnd()} AND r.hi > ${w.periodStart()}
     GROUP BY dt.k, r.rid
  )`;
}

/** Whether the resident's personal health record has its administrative part (Decision 831 part A) complete. */
function administrative(q: PopulationQuery): string {
  const checks: Record<string, string> = {
    name: 'pr.has_name',
    birthDate: 'pr.birth IS NOT NULL',
    gender: 'pr.gender IS NOT NULL',
    address: 'pr.has_address',
    identifier: 'pr.has_identifier',
    ethnicGroup: 'pr.has_ethnic_group',
  };
  const required = q.config.healthManaged.requiredAdministrative.map((f) => checks[f]).filter(Boolean);
  return required.length ? `(${required.join(' AND ')})` : 'true';
}

/** The columns each fact CTE adds to a resident's row (`true` where a row of the CTE is the fact itself). */
function factColumns(q: PopulationQuery): { cte: Feature; name: string; value: string; empty: string; combine: string }[] {
  const f = q.features;
  const flag = (cte: Feature, name: string, value = 'true') => ({ cte, name, value, empty: 'false', combine: 'bool_or' });
  return [
    ...(f.has('bhyt') ? [flag('bhyt', 'bhyt')] : []),
    ...(f.has('enrolment') ? ['e_health_book', 'telemedicine', ...q.config.appCounts.apps.map((_, i) => `app_${i}`)].map((name) => flag('enrolment', name, `u.${name}`)) : []),
    ...(f.has('remote') ? [flag('remote', 'remote')] : []),
    ...(f.has('records') ? [{ cte: 'records' as const, name: 'records', value: 'u.n', empty: '0', combine: 'sum' }] : []),
  ];
}

/**
 * One row per resident (and window) with every fact CTE's columns: the CTEs' rows stacked and
 * grouped once, rather than each CTE grouped and joined with the residents in turn.
 */
function residentFactsCte(q: PopulationQuery): string | undefined {
  const columns = factColumns(q);
  const ctes = [...new Set(columns.map((c) => c.cte))];
  if (!ctes.length) return undefined;
  const branches = ctes.map((cte) => `SELECT u.k, u.rid, ${columns.map((c) => (c.cte === cte ? `${c.value} AS ${c.name}` : `NULL::${c.empty === '0' ? 'bigint' : 'boolean'} AS ${c.name}`)).join(', ')} FROM ${cte} u`);
  return `resident_facts AS (
    SELECT k, rid, ${columns.map((c) => `${c.combine}(${c.name}) AS ${c.name}`).join(', ')}
      FROM (${branches.join('\n      UNION ALL ')}) s
     GROUP BY k, rid
  )`;
}

function flagsCte(q: PopulationQuery): string {
  const cols = ['pr.k', 'pr.pid', 'pr.village', 'pr.sex', 'pr.age_group', 'pr.excluded'];
  const joins: string[] = [];
  const columns = factColumns(q);
  if (columns.length) {
    cols.push(...columns.map((c) => `coalesce(rf.${c.name}, ${c.empty}) AS ${c.name}`));
    joins.push('LEFT JOIN resident_facts rf ON rf.k = pr.k AND rf.rid = pr.rid');
  }
  if (q.features.has('records')) cols.push(`${administrative(q)} AS administrative`);
  if (q.features.has('haz')) {
    cols.push('hz.z');
    joins.push('LEFT JOIN haz hz ON hz.k = pr.k AND hz.rid = pr.rid');
  }
  return `flags AS (SELECT ${cols.join(', ')} FROM person pr ${joins.join(' ')})`;
}
