import type { SortRule } from './request';
import { rowsOfResource } from './owned-rows';
import { keyedBy, storedRowsWhere, type Scope, type SqlParams } from './sql';

/**
 * Sort keys as SQL expressions. A parameter's key is a correlated lookup in its index table
 * (the resource's smallest value ascending, largest descending; strings sort by the `code:sort`
 * row, family name first). The order always ends with the resource's identity ((type,) id), so
 * it is total and keyset paging can neither skip nor repeat a row.
 */
export interface SortKey {
  /** The key's value in the page query: a column, or the output of its lateral lookup. */
  expr: string;
  /** `CROSS JOIN LATERAL (…) sN` computing the key once per row, when it is a lookup. */
  lateral?: string;
  descending: boolean;
  /** SQL type the cursor's text is cast back to. */
  cast: string;
}

/** Values standing in for a missing key, so missing sorts first ascending and last descending. */
const LOWEST: Record<string, string> = { timestamptz: `'-infinity'::timestamptz`, numeric: `'-Infinity'::numeric`, text: `''` };

export function sortKeys(rules: SortRule[], scope: Scope, p: SqlParams): SortKey[] {
  const a = scope.alias;
  const keys: SortKey[] = [];
  for (const rule of rules) {
    if (rule.code === '_id') continue;
    if (rule.code === '_lastUpdated') {
      keys.push({ expr: `${a}.last_updated`, descending: rule.descending, cast: 'timestamptz' });
      continue;
    }
    const { table, column, cast, param } = sortSource(rule, rule.descending);
    const agg = rule.descending ? 'max' : 'min';
    // A string sorts by its `:sort` row, under the parameter that holds its rows.
    const held = table === 'idx_string' && rule.rows ? keyedBy(rule.rows, (c) => `${c}:sort`) : rule.rows;
    const rows = held ? storedRowsWhere(held, p) : [`i.param = ${p.add(param)}`];
    const selects = rowsOfResource(scope, table, `${agg}(i.${column}) AS v`, rows);
    const value = selects.length === 1 ? selects[0] : `SELECT ${agg}(o.v) FROM (${selects.join(' UNION ALL ')}) o`;
    const name = `s${keys.length}`;
    // A lateral lookup computed once per row and then used by ORDER BY, the cursor and the keyset
    // (OFFSET 0 keeps PostgreSQL from inlining it back into each of those places).
    const lateral = `CROSS JOIN LATERAL (SELECT COALESCE((${value}), ${LOWEST[cast]}) AS v OFFSET 0) ${name}`;
    keys.push({ expr: `${name}.v`, lateral, descending: rule.descending, cast });
  }
  const idRule = rules.find((r) => r.code === '_id');
  const descending = idRule?.descending ?? false;
  // With one type in scope the type is a constant: leaving it out keeps `id > $cursor` a plain index range.
  if (!scope.type) keys.push({ expr: `${a}.resource_type`, descending, cast: 'text' });
  keys.push({ expr: `${a}.id`, descending, cast: 'text' });
  return keys;
}

function sortSource(rule: SortRule, descending: boolean): { table: string; column: string; cast: string; param: string } {
  const code = rule.code;
  switch (rule.param!.type) {
    case 'date':
      return { table: 'idx_date', column: descending ? 'hi' : 'lo', cast: 'timestamptz', param: code };
    case 'string':
      return { table: 'idx_string', column: 'value', cast: 'text', param: `${code}:sort` };
    case 'token':
      return { table: 'idx_token', column: 'code', cast: 'text', param: code };
    case 'number':
      return { table: 'idx_number', column: 'value', cast: 'numeric', param: code };
    case 'quantity':
      return { table: 'idx_quantity', column: 'value', cast: 'numeric', param: code };
    case 'reference':
      return { table: 'idx_reference', column: 'target_id', cast: 'text', param: code };
    default:
      return { table: 'idx_uri', column: 'value', cast: 'text', param: code };
  }
}

/** Rows strictly after (or, `backwards`, before) the cursor in the mixed-direction order. */
export function keysetCondition(keys: SortKey[], values: string[], backwards: boolean, p: SqlParams): string {
  const bound = keys.map((k, i) => `${p.add(values[i])}::${k.cast}`);
  if (keys.every((k) => k.descending === keys[0].descending)) {
    // One direction: a row comparison, which a B-tree can use as a range.
    const after = keys[0].descending !== backwards ? '<' : '>';
    return `(${keys.map((k) => k.expr).join(', ')}) ${after} (${bound.join(', ')})`;
  }
  const ors: string[] = [];
  for (let i = 0; i < keys.length; i++) {
    const ands: string[] = [];
    for (let j = 0; j < i; j++) ands.push(`${keys[j].expr} = ${bound[j]}`);
    const after = keys[i].descending !== backwards ? '<' : '>';
    ands.push(`${keys[i].expr} ${after} ${bound[i]}`);
    ors.push(`(${ands.join(' AND ')})`);
  }
  // Each row after the cursor is level with it on the first key or beyond. Said on its own, that
  // is a range the first key's index can start from, which the ORs are not: a page deep in
  // `_sort=-_lastUpdated` (last_updated descending, id ascending) walked resource_live_updated
  // from the newest row to the cursor, 100,000 rows filtered out at page 2,000 (86 against 0.24 ms).
  const reach = `${keys[0].expr} ${keys[0].descending !== backwards ? '<=' : '>='} ${bound[0]}`;
  return `(${reach} AND (${ors.join(' OR ')}))`;
}
