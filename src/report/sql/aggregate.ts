import type { Database, Transaction } from '../../db/database';
import { SqlParams } from './params';
import { reportQuery } from './queryable';
import { populationCtes, type Feature, type PopulationQuery } from './population';
import type { GroupRule } from './rules';

/** Population counts of one group or stratum. Denominator = initial population (FHIR), score over denominator − exclusions. */
export interface Counts {
  initial: number;
  excluded: number;
  numerator: number;
}

export interface GroupCounts {
  rule: GroupRule;
  total: Counts;
  village: Map<string, Counts>;
  sex: Map<string, Counts>;
  ageGroup: Map<string, Counts>;
  /** Keyed `village|sex`. */
  villageSex: Map<string, Counts>;
}

export const SEXES = ['male', 'female', 'other', 'unknown'] as const;
export const AGE_GROUPS = ['0-4', '5-17', '18-59', '60+', 'unknown'] as const;

const zero = (): Counts => ({ initial: 0, excluded: 0, numerator: 0 });

/**
 * Every group's counts, in total and by village, sex, age group and village × sex, in one
 * statement: the population CTEs, then GROUPING SETS over `flags` (only the total with `totalsOnly`).
 */
export async function countGroups(
  q: Database | Transaction,
  query: Omit<PopulationQuery, 'features'>,
  build: (p: SqlParams) => GroupRule[],
  totalsOnly = false,
): Promise<GroupCounts[]> {
  const p = new SqlParams();
  const rules = build(p);
  if (!rules.length) return [];
  const features = new Set<Feature>(rules.flatMap((r) => r.features));
  const ctes = populationCtes({ ...query, features }, p);
  const columns = rules.flatMap((r, i) => [
    `count(*) FILTER (WHERE ${r.initial})::int AS i${i}`,
    `count(*) FILTER (WHERE ${r.initial} AND ${r.excluded ?? 'false'})::int AS x${i}`,
    `count(*) FILTER (WHERE ${r.initial} AND NOT ${r.excluded ?? 'false'} AND ${r.numerator ?? 'false'})::int AS n${i}`,
  ]);
  const dimensions = totalsOnly
    ? '1 AS gv, 1 AS gs, 1 AS ga'
    : 'GROUPING(f.village)::int AS gv, GROUPING(f.sex)::int AS gs, GROUPING(f.age_group)::int AS ga, f.village, f.sex, f.age_group';
  const grouping = totalsOnly ? '' : 'GROUP BY GROUPING SETS ((), (f.village), (f.sex), (f.age_group), (f.village, f.sex))';
  const sql = `${ctes}
    SELECT ${dimensions}, ${columns.join(', ')} FROM flags f ${grouping}`;
  const rows = await reportQuery<Record<string, string | number | null>>(q, sql, p.values);
  return rules.map((rule, i) => toGroupCounts(rule, i, rows, query.villages));
}

function toGroupCounts(rule: GroupRule, i: number, rows: Record<string, string | number | null>[], villages: string[]): GroupCounts {
  const villageKeys = [...villages, 'unknown'];
  const result: GroupCounts = {
    rule,
    total: zero(),
    village: new Map(villageKeys.map((v) => [v, zero()])),
    sex: new Map(SEXES.map((s) => [s, zero()])),
    ageGroup: new Map(AGE_GROUPS.map((a) => [a, zero()])),
    villageSex: new Map(villageKeys.flatMap((v) => SEXES.map((s) => [`${v}|${s}`, zero()]))),
  };
  for (const row of rows) {
    const counts: Counts = { initial: Number(row[`i${i}`]), excluded: Number(row[`x${i}`]), numerator: Number(row[`n${i}`]) };
    const [gv, gs, ga] = [Number(row.gv), Number(row.gs), Number(row.ga)];
    if (gv && gs && ga) result.total = counts;
    else if (!gv && !gs) result.villageSex.set(`${row.village}|${row.sex}`, counts);
    else if (!gv) result.village.set(String(row.village), counts);
    else if (!gs) result.sex.set(String(row.sex), counts);
    else result.ageGroup.set(String(row.age_group), counts);
  }
  return result;
}
