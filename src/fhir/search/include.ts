import type { Resource } from '@medplum/fhirtypes';
import type { Queryable } from '../../db/database';
import type { IncludeAccess, IncludeRule } from './request';
import { includeAccessConditions } from './include-access';
import { statementName } from './prepared';
import { parseStored } from './stored-json';
import { SqlParams, storedRowsWhere, type PlanContext } from './sql';
import { inPatientCompartment, mayMeetAccessLog } from '../index/compartment';
import { listOwners, REFERENCE_LIST_TYPES, referenceListKeys, referenceRowsOf } from '../index/reference-lists';

/**
 * _include and _revinclude: resources the page's matches refer to (or that refer to them),
 * found through idx_reference, marked `search.mode = include`. `:iterate` rules run again on what
 * the previous round added, until nothing new turns up (at most MAX_ROUNDS rounds).
 */

/** Included resources per page: beyond this the answer says it stopped (an OperationOutcome warning). */
export const MAX_INCLUDES = 1000;
const MAX_ROUNDS = 4;

export interface IncludeResult {
  resources: Resource[];
  truncated: boolean;
}

const keyOf = (r: Resource): string => `${r.resourceType}/${r.id}`;

export interface IncludeContext {
  stationId: string;
  compartment?: { type: string; id: string };
  /** The types searched (empty: every type). */
  types: readonly string[];
  /** What the caller may see of what is included (absent: everything). */
  access?: IncludeAccess;
  plan: PlanContext;
}

export async function loadIncludes(q: Queryable, ctx: IncludeContext, rules: IncludeRule[], matches: Resource[]): Promise<IncludeResult> {
  const seen = new Set(matches.map(keyOf));
  const included: Resource[] = [];
  let frontier = matches;
  let truncated = false;
  for (let round = 0; round < MAX_ROUNDS && frontier.length && !truncated; round++) {
    const active = rules.filter((r) => round === 0 || r.iterate);
    const added: Resource[] = [];
    for (const rule of active) {
      const sources = frontier.filter((r) => rule.reverse || !rule.sourceType || r.resourceType === rule.sourceType);
      if (!sources.length) continue;
      // Rows already seen may be among those read: read as many more, so that a short read is all
      // there is and a full one holds more new resources than fit (reported as truncated).
      const limit = MAX_INCLUDES + 1 + seen.size;
      const found = rule.reverse ? await reverseIncludes(q, ctx, rule, sources, limit) : await forwardIncludes(q, ctx, rule, sources, limit);
      for (const resource of found) {
        if (seen.has(keyOf(resource))) continue;
        if (included.length >= MAX_INCLUDES) {
          truncated = true;
          break;
        }
        seen.add(keyOf(resource));
        included.push(resource);
        added.push(resource);
      }
    }
    frontier = added;
  }
  return { resources: included, truncated };
}

/** Targets of the rule's reference parameter (any, for `*`) from the sources. */
async function forwardIncludes(q: Queryable, ctx: IncludeContext, rule: IncludeRule, sources: Resource[], maxRows: number): Promise<Resource[]> {
  const p = new SqlParams();
  const [station, types, ids, limit] = [p.add(ctx.stationId), p.add(sources.map((r) => r.resourceType)), p.add(sources.map((r) => r.id)), p.add(maxRows)];
  const where = [`i.station_id = ${station}`, `(i.resource_type, i.resource_id) IN (SELECT * FROM unnest(${types}::text[], ${ids}::text[]))`, 'i.target_id IS NOT NULL'];
  where.push(...ruleRows(rule, p));
  let outside = '';
  if (rule.outsideCompartment && ctx.compartment) {
    // An AuditEvent is no match of a search that leaves the access log out: one the record refers
    // to counts as outside.
    const member = { station: 'r.station_id', type: 'r.resource_type', id: 'r.id', patient: p.add(ctx.compartment.id) };
    outside = `AND NOT ${inPatientCompartment(member, mayMeetAccessLog(ctx.types))}`;
  }
  const references = referenceRowsOf([...new Set(sources.map((r) => r.resourceType))]);
  const sql = `SELECT r.content::text AS content FROM resource r
      WHERE r.station_id = ${station} AND NOT r.deleted ${outside}${accessWhere(ctx, station, p)}
        AND (r.resource_type, r.id) IN (SELECT i.target_type, i.target_id FROM ${references} i WHERE ${where.join(' AND ')})
      LIMIT ${limit}`;
  const rows = await q.query<{ content: string }>(sql, p.values, p.valueDependent ? undefined : statementName(sql));
  return rows.map((r) => parseStored(r.content));
}

/** Resources of the rule's source type whose reference parameter points at one of the sources. */
async function reverseIncludes(q: Queryable, ctx: IncludeContext, rule: IncludeRule, sources: Resource[], maxRows: number): Promise<Resource[]> {
  if (!rule.sourceType || !rule.param) return []; // parse never makes one: _revinclude=* and =Type:* are not served
  const p = new SqlParams();
  const [station, type] = [p.add(ctx.stationId), p.add(rule.sourceType)];
  let referring: string;
  if (REFERENCE_LIST_TYPES.has(rule.sourceType)) {
    // Its lists hold the sources' keys: one probe of their GIN index (index/reference-lists.ts).
    const targets = sources.filter((r) => !rule.targetType || r.resourceType === rule.targetType).map((r) => `${r.resourceType}/${r.id}`);
    const keys = referenceListKeys([rule.sourceType], rule.param, rule.rows && [rule.rows], targets);
    referring = `SELECT i.resource_id FROM ${listOwners(station, rule.sourceType, `${p.add(keys)}::text[]`, 'i')}`;
  } else {
    const where = [`i.station_id = ${station}`, `i.resource_type = ${type}`, `(i.target_type, i.target_id) IN (SELECT * FROM unnest(${p.add(sources.map((r) => r.resourceType))}::text[], ${p.add(sources.map((r) => r.id))}::text[]))`];
    where.push(...ruleRows(rule, p));
    referring = `SELECT i.resource_id FROM idx_reference i WHERE ${where.join(' AND ')}`;
  }
  const sql = `SELECT r.content::text AS content FROM resource r
      WHERE r.station_id = ${station} AND r.resource_type = ${type} AND NOT r.deleted${accessWhere(ctx, station, p)}
        AND r.id IN (${referring})
      LIMIT ${p.add(maxRows)}`;
  const rows = await q.query<{ content: string }>(sql, p.values, p.valueDependent ? undefined : statementName(sql));
  return rows.map((r) => parseStored(r.content));
}

/** The rule's reference rows (a narrowed parameter's are its wide ones', with its target type) and its `:Target`. */
function ruleRows(rule: IncludeRule, p: SqlParams): string[] {
  const rows = rule.rows ? storedRowsWhere([rule.rows], p) : [];
  return rule.targetType ? [...rows, `i.target_type = ${p.add(rule.targetType)}`] : rows;
}

/** The caller's limits (include-access.ts) as more of a WHERE clause on `r`. */
function accessWhere(ctx: IncludeContext, station: string, p: SqlParams): string {
  return ctx.access ? includeAccessConditions(ctx.access, station, ctx.plan, p).map((c) => `\n        AND ${c}`).join('') : '';
}
