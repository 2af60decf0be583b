import { badRequest } from '../outcomes';
import { parseReference } from '../references';
import { dateRange } from './dates';
import { normalizeString } from './normalize';
import type { Filter, SearchRequest, SortRule } from './parse';

/**
 * Plan: SearchRequest → SQL over the resource table and the index tables, all values bound.
 * Every condition is `r.id IN (SELECT resource_id FROM idx_… WHERE station, type, param …)`, so the
 * planner drives from the narrow index (docs/search.md has the index layout and EXPLAIN output).
 */

export interface PlanContext {
  stationId: string;
  timeZone: string;
  baseUrl: string;
}

/** Bound parameters: `add` stores a value and returns its placeholder. */
export class SqlParams {
  readonly values: unknown[] = [];
  add(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
}

export interface SearchPlan {
  /** Selects id, content and the sort keys (k0, k1…) of one page (count + 1 rows). */
  pageSql: string;
  /** Counts every match, for _total=accurate. */
  countSql: string;
  params: unknown[];
  countParams: unknown[];
  /** Names of the sort-key columns, in order, with their direction. */
  keys: { column: string; descending: boolean; cast: string }[];
}

/** Builds the WHERE conditions (without paging) for the request. */
export function whereConditions(req: SearchRequest, ctx: PlanContext, p: SqlParams): string[] {
  const owner: Owner = { station: p.add(ctx.stationId), type: p.add(req.resourceType) };
  const where = [`r.station_id = ${owner.station}`, `r.resource_type = ${owner.type}`, 'NOT r.deleted'];
  for (const filter of req.filters) where.push(filterCondition(owner, filter, ctx, p));
  return where;
}

export function buildSearchPlan(req: SearchRequest, ctx: PlanContext, cursorValues?: string[]): SearchPlan {
  const p = new SqlParams();
  const where = whereConditions(req, ctx, p);
  const countSql = `SELECT count(*)::int AS total FROM resource r WHERE ${where.join(' AND ')}`;
  const countParams = [...p.values];

  const keys = sortKeys(req.sort, req.resourceType, p);
  if (cursorValues) {
    if (cursorValues.length !== keys.length) throw badRequest('Con trỏ trang không hợp lệ', 'Invalid paging cursor');
    where.push(keysetCondition(keys, cursorValues, p));
  }
  const order = keys.map((k) => `${k.expr} ${k.descending ? 'DESC' : 'ASC'}`).join(', ');
  const select = keys.map((k, i) => `${k.expr}${k.cast === 'text' ? '' : '::text'} AS k${i}`).join(', ');
  const pageSql = `SELECT r.id, r.content, ${select} FROM resource r WHERE ${where.join(' AND ')} ORDER BY ${order} LIMIT ${p.add(req.count + 1)}`;
  return {
    pageSql,
    countSql,
    params: p.values,
    countParams,
    keys: keys.map((k, i) => ({ column: `k${i}`, descending: k.descending, cast: k.cast })),
  };
}

interface SortKey {
  expr: string;
  descending: boolean;
  cast: string;
}

/** Sort keys end with r.id so the order is total and keyset paging never skips or repeats. */
function sortKeys(rules: SortRule[], resourceType: string, p: SqlParams): SortKey[] {
  const keys: SortKey[] = [];
  for (const rule of rules) {
    if (rule.code === '_id') continue;
    if (rule.code === '_lastUpdated') {
      keys.push({ expr: 'r.last_updated', descending: rule.descending, cast: 'timestamptz' });
      continue;
    }
    const type = rule.param?.type;
    const owner = `i.station_id = r.station_id AND i.resource_type = r.resource_type AND i.resource_id = r.id AND i.param = ${p.add(rule.code)}`;
    const agg = rule.descending ? 'max' : 'min';
    if (type === 'date') {
      const col = rule.descending ? 'hi' : 'lo';
      keys.push({ expr: `COALESCE((SELECT ${agg}(i.${col}) FROM idx_date i WHERE ${owner}), '-infinity'::timestamptz)`, descending: rule.descending, cast: 'timestamptz' });
    } else if (type === 'string') {
      keys.push({ expr: `COALESCE((SELECT ${agg}(i.value) FROM idx_string i WHERE ${owner}), '')`, descending: rule.descending, cast: 'text' });
    } else if (type === 'token') {
      keys.push({ expr: `COALESCE((SELECT ${agg}(i.code) FROM idx_token i WHERE ${owner}), '')`, descending: rule.descending, cast: 'text' });
    } else if (type === 'number' || type === 'quantity') {
      const table = type === 'number' ? 'idx_number' : 'idx_quantity';
      keys.push({ expr: `COALESCE((SELECT ${agg}(i.value) FROM ${table} i WHERE ${owner}), '-Infinity'::numeric)`, descending: rule.descending, cast: 'numeric' });
    } else if (type === 'reference') {
      keys.push({ expr: `COALESCE((SELECT ${agg}(i.target_id) FROM idx_reference i WHERE ${owner}), '')`, descending: rule.descending, cast: 'text' });
    } else {
      throw badRequest(`Không sắp xếp được theo ${rule.code}`, `Cannot sort ${resourceType} by ${rule.code}`);
    }
  }
  const idRule = rules.find((r) => r.code === '_id');
  keys.push({ expr: 'r.id', descending: idRule?.descending ?? false, cast: 'text' });
  return keys;
}

/** (k0, k1, …) strictly after the cursor in the mixed-direction order. */
function keysetCondition(keys: SortKey[], values: string[], p: SqlParams): string {
  const ors: string[] = [];
  for (let i = 0; i < keys.length; i++) {
    const ands: string[] = [];
    for (let j = 0; j < i; j++) ands.push(`${keys[j].expr} = ${p.add(values[j])}::${keys[j].cast}`);
    ands.push(`${keys[i].expr} ${keys[i].descending ? '<' : '>'} ${p.add(values[i])}::${keys[i].cast}`);
    ors.push(`(${ands.join(' AND ')})`);
  }
  return `(${ors.join(' OR ')})`;
}

/**
 * Placeholders of the station and type. Index subqueries repeat them as constants rather than
 * referring to r: PostgreSQL turns only uncorrelated IN (…) into a join it can drive from the index.
 */
interface Owner {
  station: string;
  type: string;
}

function indexSubquery(table: string, param: string, owner: Owner, p: SqlParams): string {
  return `SELECT i.resource_id FROM ${table} i WHERE i.station_id = ${owner.station} AND i.resource_type = ${owner.type} AND i.param = ${p.add(param)}`;
}

function filterCondition(owner: Owner, f: Filter, ctx: PlanContext, p: SqlParams): string {
  if (f.code === '_id') {
    if (f.modifier === 'missing') return f.values[0] === 'true' ? 'false' : 'true';
    return `r.id = ANY(${p.add(f.values)}::text[])`;
  }
  if (f.code === '_lastUpdated') {
    return or(f.values.map((v) => dateCondition(v, 'r.last_updated', 'r.last_updated', ctx, p, true)));
  }
  const param = f.param!;
  const table = TABLE_OF[param.type!];
  const sub = indexSubquery(table, f.code, owner, p);
  if (f.modifier === 'missing') {
    const missing = f.values[0] === 'true';
    return `r.id ${missing ? 'NOT IN' : 'IN'} (${sub})`;
  }
  if (param.type === 'token' && f.modifier === 'not') {
    return `r.id NOT IN (${sub} AND ${or(f.values.map((v) => tokenCondition(v, p)))})`;
  }
  if (param.type === 'token' && f.modifier === 'of-type') {
    const ofType = indexSubquery('idx_token', f.code + ':of-type', owner, p);
    return `r.id IN (${ofType} AND ${or(f.values.map((v) => ofTypeCondition(v, p)))})`;
  }
  if (param.type === 'reference' && f.modifier === 'identifier') {
    const ident = indexSubquery('idx_token', f.code + ':identifier', owner, p);
    return `r.id IN (${ident} AND ${or(f.values.map((v) => tokenCondition(v, p)))})`;
  }
  const conditions = f.values.map((v) => valueCondition(param.type!, f.modifier, v, ctx, p));
  return `r.id IN (${sub} AND ${or(conditions)})`;
}

const TABLE_OF: Record<string, string> = {
  string: 'idx_string',
  token: 'idx_token',
  date: 'idx_date',
  number: 'idx_number',
  quantity: 'idx_quantity',
  reference: 'idx_reference',
  uri: 'idx_uri',
};

const or = (parts: string[]): string => (parts.length === 1 ? parts[0] : `(${parts.join(' OR ')})`);

function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => '\\' + c);
}

function valueCondition(type: string, modifier: string | undefined, value: string, ctx: PlanContext, p: SqlParams): string {
  switch (type) {
    case 'string': {
      if (modifier === 'exact') return `i.exact = ${p.add(value)}`;
      const norm = escapeLike(normalizeString(value));
      if (modifier === 'contains') return `i.value LIKE ${p.add('%' + norm + '%')}`;
      if (modifier) throw unsupportedModifier(modifier, type);
      return `i.value LIKE ${p.add(norm + '%')}`;
    }
    case 'token':
      if (modifier === 'text') return `i.text LIKE ${p.add(escapeLike(normalizeString(value)) + '%')}`;
      if (modifier) throw unsupportedModifier(modifier, type);
      return tokenCondition(value, p);
    case 'date':
      if (modifier) throw unsupportedModifier(modifier, type);
      return dateCondition(value, 'i.lo', 'i.hi', ctx, p, false);
    case 'number':
    case 'quantity':
      if (modifier) throw unsupportedModifier(modifier, type);
      return numberCondition(type, value, p);
    case 'reference':
      return referenceCondition(modifier, value, ctx, p);
    case 'uri':
      if (modifier === 'below') return `i.value LIKE ${p.add(escapeLike(value) + '%')}`;
      if (modifier === 'above') return `${p.add(value)} LIKE (replace(replace(replace(i.value, '\\', '\\\\'), '%', '\\%'), '_', '\\_') || '%')`;
      if (modifier) throw unsupportedModifier(modifier, type);
      return `i.value = ${p.add(value)}`;
  }
  throw badRequest(`Không hỗ trợ kiểu tham số ${type}`, `Unsupported parameter type ${type}`);
}

function unsupportedModifier(modifier: string, type: string): Error {
  return badRequest(`Không hỗ trợ bổ ngữ :${modifier} cho tham số kiểu ${type}`, `Modifier :${modifier} is not supported on ${type} parameters`);
}

/** `code`, `system|code`, `|code` (no system), `system|` (any code in system). */
function tokenCondition(value: string, p: SqlParams): string {
  const bar = value.indexOf('|');
  if (bar < 0) return `i.code = ${p.add(value)}`;
  const system = value.slice(0, bar);
  const code = value.slice(bar + 1);
  if (system === '') return `(i.system IS NULL AND i.code = ${p.add(code)})`;
  if (code === '') return `i.system = ${p.add(system)}`;
  return `(i.code = ${p.add(code)} AND i.system = ${p.add(system)})`;
}

/** `system|typeCode|value` for :of-type (stored as code `typeCode|value`). */
function ofTypeCondition(value: string, p: SqlParams): string {
  const parts = value.split('|');
  if (parts.length !== 3) throw badRequest(':of-type cần dạng hệ|mã|giá trị', ':of-type takes system|code|value');
  return `(i.system = ${p.add(parts[0])} AND i.code = ${p.add(parts[1] + '|' + parts[2])})`;
}

const PREFIX = /^(eq|ne|gt|lt|ge|le|sa|eb|ap)/;

function splitPrefix(value: string): [string, string] {
  const m = PREFIX.exec(value);
  return m ? [m[1], value.slice(2)] : ['eq', value];
}

/** Range comparison per the spec's prefix table; lo/hi columns hold [start, end) instants. */
function dateCondition(value: string, loCol: string, hiCol: string, ctx: PlanContext, p: SqlParams, point: boolean): string {
  const [prefix, text] = splitPrefix(value);
  const range = dateRange(text, ctx.timeZone);
  if (!range) throw badRequest(`Ngày không hợp lệ: ${value}`, `Invalid date: ${value}`);
  let { lo, hi } = range;
  if (prefix === 'ap') {
    const now = Date.now();
    lo -= Math.abs(now - lo) * 0.1;
    hi += Math.abs(now - hi) * 0.1;
  }
  const qlo = `${p.add(new Date(lo).toISOString())}::timestamptz`;
  const qhi = `${p.add(new Date(hi).toISOString())}::timestamptz`;
  // A stored point (lastUpdated) is the one-millisecond range [t, t+1ms).
  const hiExpr = point ? `(${hiCol} + interval '1 millisecond')` : hiCol;
  const within = `(${loCol} >= ${qlo} AND ${hiExpr} <= ${qhi})`;
  switch (prefix) {
    case 'eq':
      return within;
    case 'ne':
      return `NOT ${within}`;
    case 'gt':
      return `${hiExpr} > ${qhi}`;
    case 'lt':
      return `${loCol} < ${qlo}`;
    case 'ge':
      return `(${hiExpr} > ${qhi} OR ${within})`;
    case 'le':
      return `(${loCol} < ${qlo} OR ${within})`;
    case 'sa':
      return `${loCol} >= ${qhi}`;
    case 'eb':
      return `${hiExpr} <= ${qlo}`;
    default: // ap
      return `(${loCol} < ${qhi} AND ${hiExpr} > ${qlo})`;
  }
}

/**
 * Numbers match within the precision of the query ("5.0" means [4.95, 5.05)); quantities also
 * match `value|system|code` (or `value||code`).
 */
function numberCondition(type: string, value: string, p: SqlParams): string {
  const [prefix, rest] = splitPrefix(value);
  const [numText, system, code] = rest.split('|');
  if (!/^[+-]?(\d+(\.\d+)?|\.\d+)([eE][+-]?\d+)?$/.test(numText)) throw badRequest(`Số không hợp lệ: ${value}`, `Invalid number: ${value}`);
  const decimals = numText.split(/[eE]/)[0].split('.')[1]?.length ?? 0;
  const half = 0.5 * 10 ** -decimals;
  const n = Number(numText);
  const v = `${p.add(numText)}::numeric`;
  const lo = `${p.add(String(n - half))}::numeric`;
  const hi = `${p.add(String(n + half))}::numeric`;
  const conditions: string[] = [];
  switch (prefix) {
    case 'eq':
      conditions.push(`i.value >= ${lo} AND i.value < ${hi}`);
      break;
    case 'ne':
      conditions.push(`NOT (i.value >= ${lo} AND i.value < ${hi})`);
      break;
    case 'gt':
    case 'sa':
      conditions.push(`i.value > ${v}`);
      break;
    case 'lt':
    case 'eb':
      conditions.push(`i.value < ${v}`);
      break;
    case 'ge':
      conditions.push(`i.value >= ${v}`);
      break;
    case 'le':
      conditions.push(`i.value <= ${v}`);
      break;
    default: {
      const spread = Math.abs(n) * 0.1;
      conditions.push(`i.value BETWEEN ${p.add(String(n - spread))}::numeric AND ${p.add(String(n + spread))}::numeric`);
    }
  }
  if (type === 'quantity') {
    if (system) conditions.push(`i.system = ${p.add(system)}`);
    if (code) conditions.push(`(i.code = ${p.add(code)} OR i.unit = ${p.add(code)})`);
  }
  return `(${conditions.join(' AND ')})`;
}

/** `Type/id`, bare `id`, our absolute URL, or another server's URL / canonical (matched as text). */
function referenceCondition(modifier: string | undefined, value: string, ctx: PlanContext, p: SqlParams): string {
  const local = parseReference(value, ctx.baseUrl);
  if (local) {
    if (modifier && modifier !== local.type) return 'false';
    return `(i.target_type = ${p.add(local.type)} AND i.target_id = ${p.add(local.id)})`;
  }
  if (/^[A-Za-z0-9\-.]{1,64}$/.test(value)) {
    const typed = modifier ? ` AND i.target_type = ${p.add(modifier)}` : '';
    return `(i.target_id = ${p.add(value)}${typed})`;
  }
  return `i.url = ${p.add(value.split('|')[0])}`;
}
