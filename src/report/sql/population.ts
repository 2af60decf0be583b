import type { ReportConfig } from '../config';
import { residenceParam } from '../canonical';
import type { ReportWindow } from '../period';
import type { SqlParams } from './params';

/**
 * The population as of the reference date, built in PostgreSQL from the search index tables (never
 * by loading resources into Node): one row per resident with village, sex, birth date and the
 * facts each indicator needs, as boolean/number columns of the CTE `flags`.
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
  window: ReportWindow;
  /** Village codes of the station (the index keys are looked up per village, plus "unknown"). */
  villages: string[];
  /** Only this village's residents (subject = a village Location). */
  village?: string;
  features: Set<Feature>;
}

const FAR_FUTURE = '9999-01-01T00:00:00Z';

/** `WITH … flags AS (…)`: the statement's start; callers select from `flags`. */
export function populationCtes(q: PopulationQuery, p: SqlParams): string {
  const st = p.add(q.stationId);
  const ctes = [residenceCte(q, p, st), personCte(q, p, st)];
  if (q.features.has('bhyt')) ctes.push(bhytCte(q, p, st));
  if (q.features.has('enrolment')) ctes.push(enrolmentCte(q, p, st));
  if (q.features.has('remote')) ctes.push(remoteCte(q, p, st));
  if (q.features.has('haz')) ctes.push(hazCte(q, p, st));
  if (q.features.has('records')) ctes.push(recordsCte(q, p, st));
  ctes.push(flagsCte(q, p, st));
  return `WITH ${ctes.join(',\n')}`;
}

function residenceCte(q: PopulationQuery, p: SqlParams, st: string): string {
  const types = p.add(q.config.residenceTypes);
  const keys = p.add(q.config.residenceTypes.flatMap((t) => [...q.villages, 'unknown'].map((v) => `${residenceParam(t)}$${v}`)));
  const prefix = 'residence-'.length + 1;
  return `residence AS (
    SELECT DISTINCT ON (pid) pid, village FROM (
      SELECT d.resource_id AS pid, substr(d.param, strpos(d.param, '$') + 1) AS village,
             array_position(${types}::text[], substr(split_part(d.param, '$', 1), ${prefix})) AS rank, d.lo
        FROM idx_date d
       WHERE d.station_id = ${st} AND d.resource_type = 'Patient' AND d.param = ANY(${keys}::text[])
         AND d.lo < ${p.add(q.window.dayEnd)} AND d.hi >= ${p.add(q.window.dayStart)}
      UNION ALL
      SELECT t.resource_id,
             coalesce((SELECT min(v.code) FROM idx_token v
                        WHERE v.station_id = ${st} AND v.resource_type = 'Patient' AND v.resource_id = t.resource_id AND v.param = 'village'), 'unknown'),
             array_position(${types}::text[], t.code), '-infinity'::timestamptz
        FROM idx_token t
       WHERE t.station_id = ${st} AND t.resource_type = 'Patient' AND t.param = 'residence-type' AND t.code = ANY(${types}::text[])
         AND NOT EXISTS (SELECT 1 FROM idx_date x WHERE x.station_id = ${st} AND x.resource_type = 'Patient'
                            AND x.resource_id = t.resource_id AND x.param = 'residence-period')
    ) c
    ORDER BY pid, rank, village = 'unknown', lo DESC
  )`;
}

/** Sex (male, female, other, unknown), birth date in the station's zone, age group on the reference date, exclusions. */
function personCte(q: PopulationQuery, p: SqlParams, st: string): string {
  const tz = p.add(q.window.timeZone);
  const ref = p.add(q.window.period.end);
  const has = (table: string, param: string, code: string): string =>
    `EXISTS (SELECT 1 FROM ${table} x WHERE x.station_id = ${st} AND x.resource_type = 'Patient' AND x.resource_id = r.pid AND x.param = '${param}' AND x.code = '${code}')`;
  const diedBy = `(${has('idx_token', 'deceased', 'true')} AND NOT EXISTS (SELECT 1 FROM idx_date x WHERE x.station_id = ${st} AND x.resource_type = 'Patient'
                    AND x.resource_id = r.pid AND x.param = 'death-date' AND x.lo >= ${p.add(q.window.dayEnd)}))`;
  const excluded = [q.config.exclusions.deceased ? diedBy : '', q.config.exclusions.inactive ? has('idx_token', 'active', 'false') : ''].filter(Boolean);
  return `person AS (
    SELECT r.pid, r.village, CASE WHEN g.code IN ('male', 'female', 'other') THEN g.code ELSE 'unknown' END AS sex, g.code AS gender,
           b.birth,
           CASE WHEN b.birth IS NULL OR b.birth > ${ref}::date THEN 'unknown'
                WHEN extract(year FROM age(${ref}::date, b.birth)) < 5 THEN '0-4'
                WHEN extract(year FROM age(${ref}::date, b.birth)) < 18 THEN '5-17'
                WHEN extract(year FROM age(${ref}::date, b.birth)) < 60 THEN '18-59'
                ELSE '60+' END AS age_group,
           ${excluded.length ? excluded.join(' OR ') : 'false'} AS excluded
      FROM residence r
      LEFT JOIN LATERAL (SELECT min(x.code) AS code FROM idx_token x
                          WHERE x.station_id = ${st} AND x.resource_type = 'Patient' AND x.resource_id = r.pid AND x.param = 'gender') g ON true
      LEFT JOIN LATERAL (SELECT (min(x.lo) AT TIME ZONE ${tz})::date AS birth FROM idx_date x
                          WHERE x.station_id = ${st} AND x.resource_type = 'Patient' AND x.resource_id = r.pid AND x.param = 'birthdate') b ON true
     ${q.village !== undefined ? `WHERE r.village = ${p.add(q.village)}` : ''}
  )`;
}

/** Residents holding a card of the configured type and status whose period covers the reference date. */
function bhytCte(q: PopulationQuery, p: SqlParams, st: string): string {
  const c = q.config.coverage;
  return `bhyt AS (
    SELECT DISTINCT b.target_id AS pid
      FROM idx_date d
      JOIN idx_reference b ON b.station_id = ${st} AND b.resource_type = 'Coverage' AND b.resource_id = d.resource_id AND b.param = 'beneficiary' AND b.target_type = 'Patient'
      JOIN idx_token s ON s.station_id = ${st} AND s.resource_type = 'Coverage' AND s.resource_id = d.resource_id AND s.param = 'status' AND s.code = ANY(${p.add(c.statuses)}::text[])
      JOIN idx_token t ON t.station_id = ${st} AND t.resource_type = 'Coverage' AND t.resource_id = d.resource_id AND t.param = 'type'
                      AND t.code = ANY(${p.add(c.typeCodes)}::text[]) AND t.system = ${p.add(c.typeSystem)}
     WHERE d.station_id = ${st} AND d.resource_type = 'Coverage' AND d.param = 'period'
       AND d.lo < ${p.add(q.window.dayEnd)} AND d.hi >= ${p.add(q.window.dayStart)}
  )`;
}

/**
 * Enrolments active on the reference date: enrolled on or before it, not withdrawn by it (the
 * withdrawal day no longer counts). A "withdrawn" status without a date never counts.
 */
function enrolmentCte(q: PopulationQuery, p: SqlParams, st: string): string {
  const c = q.config;
  const apps = [...new Set([...c.eHealthBook.apps, ...c.telemedicine.apps, ...c.appCounts.apps])];
  const dayEnd = p.add(q.window.dayEnd);
  return `enrolment AS (
    SELECT DISTINCT s.target_id AS pid, a.code AS app, v.code AS verification
      FROM idx_token a
      JOIN idx_reference s ON s.station_id = ${st} AND s.resource_type = 'Basic' AND s.resource_id = a.resource_id AND s.param = 'subject' AND s.target_type = 'Patient'
      JOIN idx_date d ON d.station_id = ${st} AND d.resource_type = 'Basic' AND d.resource_id = a.resource_id AND d.param = 'enrolment-period'
                     AND d.lo < ${dayEnd} AND d.hi >= ${dayEnd}
      JOIN idx_token v ON v.station_id = ${st} AND v.resource_type = 'Basic' AND v.resource_id = a.resource_id AND v.param = 'verification'
     WHERE a.station_id = ${st} AND a.resource_type = 'Basic' AND a.param = 'app' AND a.code = ANY(${p.add(apps)}::text[])
       AND (d.hi < '${FAR_FUTURE}' OR NOT EXISTS (SELECT 1 FROM idx_token w WHERE w.station_id = ${st} AND w.resource_type = 'Basic'
                                                    AND w.resource_id = a.resource_id AND w.param = 'enrolment-status' AND w.code = 'withdrawn'))
  )`;
}

/** Residents with a remote consultation that took place (class VR…) in the usage window. */
function remoteCte(q: PopulationQuery, p: SqlParams, st: string): string {
  const t = q.config.telemedicine;
  const from = t.usageWindow === 'period' ? p.add(q.window.periodStart) : `'-infinity'::timestamptz`;
  return `remote AS (
    SELECT DISTINCT s.target_id AS pid
      FROM idx_token c
      JOIN idx_reference s ON s.station_id = ${st} AND s.resource_type = 'Encounter' AND s.resource_id = c.resource_id AND s.param = 'subject' AND s.target_type = 'Patient'
      JOIN idx_date d ON d.station_id = ${st} AND d.resource_type = 'Encounter' AND d.resource_id = c.resource_id AND d.param = 'date'
                     AND d.lo < ${p.add(q.window.periodEnd)} AND d.hi >= ${from}
     WHERE c.station_id = ${st} AND c.resource_type = 'Encounter' AND c.param = 'class' AND c.code = ANY(${p.add(t.encounterClasses)}::text[])
       AND NOT EXISTS (SELECT 1 FROM idx_token x WHERE x.station_id = ${st} AND x.resource_type = 'Encounter' AND x.resource_id = c.resource_id
                          AND x.param = 'status' AND x.code IN ('planned', 'cancelled', 'entered-in-error'))
  )`;
}

/** Each resident child's latest height-for-age z-score measured in the period at 0–59 months. */
function hazCte(q: PopulationQuery, p: SqlParams, st: string): string {
  const s = q.config.stunting;
  const tz = p.add(q.window.timeZone);
  return `haz AS (
    SELECT DISTINCT ON (pr.pid) pr.pid, q.value AS z
      FROM idx_token c
      JOIN idx_reference r ON r.station_id = ${st} AND r.resource_type = 'Observation' AND r.resource_id = c.resource_id AND r.param = 'subject' AND r.target_type = 'Patient'
      JOIN person pr ON pr.pid = r.target_id AND pr.birth IS NOT NULL
      JOIN idx_date d ON d.station_id = ${st} AND d.resource_type = 'Observation' AND d.resource_id = c.resource_id AND d.param = 'date'
                     AND d.lo >= ${p.add(q.window.periodStart)} AND d.lo < ${p.add(q.window.periodEnd)}
      JOIN idx_quantity q ON q.station_id = ${st} AND q.resource_type = 'Observation' AND q.resource_id = c.resource_id AND q.param = 'value-quantity'
     WHERE c.station_id = ${st} AND c.resource_type = 'Observation' AND c.param = 'code' AND c.code = ${p.add(s.code)} AND c.system = ${p.add(s.system)}
       AND EXISTS (SELECT 1 FROM idx_token x WHERE x.station_id = ${st} AND x.resource_type = 'Observation' AND x.resource_id = c.resource_id
                      AND x.param = 'status' AND x.code IN ('final', 'amended', 'corrected'))
       AND (d.lo AT TIME ZONE ${tz})::date >= pr.birth
       AND (d.lo AT TIME ZONE ${tz})::date < pr.birth + make_interval(months => ${p.add(s.maxAgeMonths)}::int)
     ORDER BY pr.pid, d.lo DESC, q.value
  )`;
}

/** How many records of the configured types, dated in the period, each resident has. */
function recordsCte(q: PopulationQuery, p: SqlParams, st: string): string {
  const r = q.config.healthManaged.records;
  return `records AS (
    SELECT c.compartment_id AS pid, count(DISTINCT (d.resource_type, d.resource_id)) AS n
      FROM unnest(${p.add(r.map((x) => x.type))}::text[], ${p.add(r.map((x) => x.param))}::text[]) AS k(type, param)
      JOIN idx_date d ON d.station_id = ${st} AND d.resource_type = k.type AND d.param = k.param
                     AND d.lo < ${p.add(q.window.periodEnd)} AND d.hi >= ${p.add(q.window.periodStart)}
      JOIN idx_compartment c ON c.station_id = ${st} AND c.resource_type = d.resource_type AND c.resource_id = d.resource_id AND c.compartment_type = 'Patient'
     GROUP BY c.compartment_id
  )`;
}

/** The administrative part of the personal health record (Decision 831 part A), field by field. */
function administrativeComplete(q: PopulationQuery, st: string): string {
  const exists = (table: string, param: string): string =>
    `EXISTS (SELECT 1 FROM ${table} x WHERE x.station_id = ${st} AND x.resource_type = 'Patient' AND x.resource_id = pr.pid AND x.param = '${param}')`;
  const checks: Record<string, string> = {
    name: exists('idx_string', 'name'),
    birthDate: 'pr.birth IS NOT NULL',
    gender: 'pr.gender IS NOT NULL',
    address: exists('idx_string', 'address'),
    identifier: exists('idx_token', 'identifier'),
    ethnicGroup: exists('idx_token', 'ethnic-group'),
  };
  const required = q.config.healthManaged.requiredAdministrative.map((f) => checks[f]).filter(Boolean);
  return required.length ? `(${required.join(' AND ')})` : 'true';
}

function flagsCte(q: PopulationQuery, p: SqlParams, st: string): string {
  const f = q.features;
  const c = q.config;
  const cols = ['pr.pid', 'pr.village', 'pr.sex', 'pr.age_group', 'pr.excluded'];
  const joins: string[] = [];
  if (f.has('bhyt')) {
    cols.push('bh.pid IS NOT NULL AS bhyt');
    joins.push('LEFT JOIN bhyt bh ON bh.pid = pr.pid');
  }
  if (f.has('enrolment')) {
    const any = (apps: string[], verifications: string[]): string =>
      `coalesce(bool_or(e.app = ANY(${p.add(apps)}::text[]) AND e.verification = ANY(${p.add(verifications)}::text[])), false)`;
    const perApp = c.appCounts.apps.map((app, i) => `${any([app], c.appCounts.verifications)} AS app_${i}`);
    cols.push('en.e_health_book', 'en.telemedicine', ...c.appCounts.apps.map((_, i) => `en.app_${i}`));
    joins.push(`LEFT JOIN LATERAL (SELECT ${any(c.eHealthBook.apps, c.eHealthBook.verifications)} AS e_health_book,
                                        ${any(c.telemedicine.apps, c.telemedicine.verifications)} AS telemedicine
                                        ${perApp.length ? `, ${perApp.join(', ')}` : ''}
                                   FROM enrolment e WHERE e.pid = pr.pid) en ON true`);
  }
  if (f.has('remote')) {
    cols.push('rm.pid IS NOT NULL AS remote');
    joins.push('LEFT JOIN remote rm ON rm.pid = pr.pid');
  }
  if (f.has('haz')) {
    cols.push('hz.z');
    joins.push('LEFT JOIN haz hz ON hz.pid = pr.pid');
  }
  if (f.has('records')) {
    cols.push(`coalesce(rc.n, 0) AS records`, `${administrativeComplete(q, st)} AS administrative`);
    joins.push('LEFT JOIN records rc ON rc.pid = pr.pid');
  }
  return `flags AS (SELECT ${cols.join(', ')} FROM person pr ${joins.join(' ')})`;
}
