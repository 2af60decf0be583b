import { clip } from '../../index/tables';
import { badRequest, echoed } from '../../outcomes';
import { isValidId, parseReference } from '../../references';
import type { Hierarchy } from '../request';
import { or, type PlanContext, type SqlParams } from '../sql';
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

/**
 * What one value names, as referenceCondition reads it, for the lists of reference keys
 * (index/reference-lists.ts): `Type/id`s, or `|url`. Undefined when a bare id may name any type.
 */
export function referenceTargets(targets: readonly string[] | undefined, modifier: string | undefined, raw: string, ctx: PlanContext): string[] | undefined {
  const value = unescapeValue(raw);
  const local = parseReference(value, ctx.baseUrl);
  if (local) return modifier && modifier !== local.type ? [] : [`${local.type}/${local.id}`];
  if (isValidId(value)) {
    const types = modifier ? [modifier] : (targets ?? []);
    return types.length ? types.map((type) => `${type}/${value}`) : undefined;
  }
  return [`|${clip(value.split('|')[0])}`];
}

/**
 * `:below` / `:above` (R4 search.html, "searching hierarchies"): the reference points at a resource
 * named or at one below it (its parts, their parts…) or above it, along the target type's
 * hierarchy (`partOf`). Each type's tree is walked once per statement, from all the values naming
 * it, by a recursive query over that parameter's reference rows (UNION stops at a cycle);
 * `Encounter?location:below=Location/xa` is every visit at the commune or at any village in it.
 */
export function hierarchyCondition(hierarchies: readonly Hierarchy[], direction: 'above' | 'below', raws: readonly string[], ctx: PlanContext, p: SqlParams): string {
  const roots = new Map<Hierarchy, string[]>();
  for (const raw of raws) {
    const value = unescapeValue(raw);
    const local = parseReference(value, ctx.baseUrl);
    const named = local ? hierarchies.filter((h) => h.type === local.type) : isValidId(value) ? hierarchies : [];
    if (named.length !== 1) {
      const types = hierarchies.map((h) => h.type).join(', ');
      throw badRequest(`:${direction} cần một tham chiếu Loại/mã tới ${types}: ${echoed(value)}`, `:${direction} takes a Type/id reference to ${types}: ${echoed(value)}`);
    }
    roots.set(named[0], [...(roots.get(named[0]) ?? []), local?.id ?? value]);
  }
  const [from, to] = direction === 'below' ? ['resource_id', 'target_id'] : ['target_id', 'resource_id'];
  const station = p.add(ctx.stationId);
  return or(
    [...roots].map(([{ type, rows }, ids]) => {
      const t = p.add(type);
      const param = rows.params.length === 1 ? `h.param = ${p.add(rows.params[0])}` : `h.param = ANY(${p.add(rows.params)}::text[])`;
      const step = `SELECT h.${from} FROM idx_reference h JOIN tree ON h.${to} = tree.id
        WHERE h.station_id = ${station} AND h.resource_type = ${t} AND h.target_type = ${t} AND ${param}`;
      const tree = `WITH RECURSIVE tree(id) AS (SELECT unnest(${p.add(ids)}::text[]) COLLATE "C" UNION ${step}) SELECT id FROM tree`;
      return `(i.target_type = ${t} AND i.target_id IN (${tree}))`;
    }),
  );
}
