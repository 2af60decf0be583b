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

/** The statement's start, its count columns, and the same columns summed (`sums`), for the rules `build` makes. */
function statement(query: Omit<PopulationQuery, 'features'>, build: (p: SqlParams) => GroupRule[]): { p: SqlParams; rules: GroupRule[]; ctes: string; columns: string; sums: string } {
  const p = new SqlParams();
  const rules = build(p);
  const ctes = populationCtes({ ...query, features: new Set<Feature>(rules.flatMap((r) => r.features)) }, p);
  const columns = rules.flatMap((r, i) => [
    [`i${i}`, r.initial],
    [`x${i}`, `${r.initial} AND ${r.excluded ?? 'false'}`],
    [`n${i}`, `${r.initial} AND NOT ${r.excluded ?? 'false'} AND ${r.numerator ?? 'false'}`],
  ]);
  return {
    p,
    rules,
    ctes,
    columns: columns.map(([name, condition]) => `count(*) FILTER (WHERE ${condition})::int AS ${name}`).join(', '),
    sums: columns.map(([name]) => `sum(${name})::int AS ${name}`).join(', '),
  };
}

/**
 * Every group's counts for one window, in total and by village, sex, age group and village × sex,
 * in one statement: the population CTEs, the counts per (village, sex, age group) — a few hundred
 * cells, each resident counted once — then GROUPING SETS summing the cells.
 */
export async function countGroups(q: Database | Transaction, query: Omit<PopulationQuery, 'features'>, build: (p: SqlParams) => GroupRule[]): Promise<GroupCounts[]> {
  const { p, rules, ctes, columns, sums } = statement(query, build);
  if (!rules.length) return [];
  const sql = `${ctes}
    SELECT GROUPING(c.village)::int AS gv, GROUPING(c.sex)::int AS gs, GROUPING(c.age_group)::int AS ga, c.village, c.sex, c.age_group, ${sums}
      FROM (SELECT f.village, f.sex, f.age_group, ${columns} FROM flags f GROUP BY f.village, f.sex, f.age_group) c
     GROUP BY GROUPING SETS ((), (c.village), (c.sex), (c.age_group), (c.village, c.sex))`;
  const rows = await reportQuery<Record<string, string | number | null>>(q, query.stationId, sql, p.values);
  return rules.map((rule, i) => toGroupCounts(rule, i, rows, query.villages));
}

/** Totals only, for each window of the query (the trend), in one statement: one list of groups per window. */
export async function countTotalsByWindow(q: Database | Transaction, query: Omit<PopulationQuery, 'features'>, build: (p: SqlParams) => GroupRule[]): Promise<GroupCounts[][]> {
  const { p, rules, ctes, columns } = statement(query, build);
  const rows = await reportQuery<Record<string, string | number | null>>(q, query.stationId, `${ctes} SELECT f.k, ${columns} FROM flags f GROUP BY f.k`, p.values);
  return query.windows.map((_, w) => {
    const row = rows.filter((r) => Number(r.k) === w + 1).map((r) => ({ ...r, gv: 1, gs: 1, ga: 1 }));
    return rules.map((rule, i) => toGroupCounts(rule, i, row, query.villages));
  });
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
