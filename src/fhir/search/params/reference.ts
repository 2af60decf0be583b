import { clip } from '../../index/tables';
import { isValidId, parseReference } from '../../references';
import type { PlanContext, SqlParams } from '../sql';
import { unescapeValue } from '../values';

/**
 * Reference: `Type/id`, a bare `id` (with `:Type`, or any of the parameter's target types), an
 * absolute URL under our base (a local reference), or any other URL / canonical (matched as text).
 */
export function referenceCondition(targets: readonly string[] | undefined, modifier: string | undefined, raw: string, ctx: PlanContext, p: SqlParams): string {
  const value = unescapeValue(raw);
  const local = parseReference(value, ctx.baseUrl);
  if (local) {
    if (modifier && modifier !== local.type) return 'false';
    return `(i.target_type = ${p.add(local.type)} AND i.target_id = ${p.add(local.id)})`;
  }
  if (isValidId(value)) {
    // The target type leads the index: name the candidates so the lookup stays an index probe.
    const types = modifier ? [modifier] : (targets ?? []);
    const typed = types.length ? ` AND i.target_type = ANY(${p.add(types)}::text[])` : '';
    return `(i.target_id = ${p.add(value)}${typed})`;
  }
  return `i.url = ${p.add(clip(value.split('|')[0]))}`;
}
