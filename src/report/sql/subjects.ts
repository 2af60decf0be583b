import type { Database, Transaction } from '../../db/database';
import { SqlParams } from './params';
import { reportQuery } from './queryable';
import { populationCtes, type PopulationQuery } from './population';
import type { GroupRule } from './rules';

/** The residents of each population of one group (Patient ids, by village then id). */
export interface SubjectLists {
  initial: string[];
  excluded: string[];
  numerator: string[];
}

export async function listSubjects(q: Database | Transaction, query: Omit<PopulationQuery, 'features'>, build: (p: SqlParams) => GroupRule): Promise<SubjectLists> {
  const p = new SqlParams();
  const rule = build(p);
  const ctes = populationCtes({ ...query, features: new Set(rule.features) }, p);
  const excluded = rule.excluded ?? 'false';
  const rows = await reportQuery<{ pid: string; x: boolean; n: boolean }>(
    q,
    query.stationId,
    `${ctes}
     SELECT f.pid, (${excluded}) AS x, (NOT ${excluded} AND ${rule.numerator ?? 'false'}) AS n
       FROM flags f WHERE ${rule.initial} ORDER BY f.village, f.pid`,
    p.values,
  );
  return { initial: rows.map((r) => r.pid), excluded: rows.filter((r) => r.x).map((r) => r.pid), numerator: rows.filter((r) => r.n).map((r) => r.pid) };
}
