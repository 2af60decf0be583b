import type { Queryable } from '../../db/database';
import type { SearchPlan } from './plan';
import { statementName } from './prepared';

/**
 * _total: `accurate` counts every match; `estimate` asks the planner (EXPLAIN, no execution) and
 * counts exactly only when the estimate is small enough to make that cheap.
 */
const EXACT_BELOW = 1000;

export async function countMatches(q: Queryable, plan: SearchPlan): Promise<number> {
  const rows = await q.query<{ total: number }>(plan.countSql, plan.countParams, plan.valueDependent ? undefined : statementName(plan.countSql));
  return rows[0].total;
}

export async function estimateMatches(q: Queryable, plan: SearchPlan): Promise<number> {
  const rows = await q.query<{ 'QUERY PLAN': unknown }>(`EXPLAIN (FORMAT JSON) SELECT 1 ${plan.fromWhere}`, plan.whereParams);
  const raw = rows[0]['QUERY PLAN'];
  const parsed = (typeof raw === 'string' ? JSON.parse(raw) : raw) as { Plan: { 'Plan Rows': number } }[];
  const estimate = Math.round(parsed[0].Plan['Plan Rows']);
  return estimate < EXACT_BELOW ? countMatches(q, plan) : estimate;
}
