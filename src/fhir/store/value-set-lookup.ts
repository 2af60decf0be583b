import type { ValueSet } from '@medplum/fhirtypes';
import type { Queryable } from '../../db/database';
import type { R4Definitions } from '../definitions';
import { badRequest } from '../outcomes';
import { isValidId } from '../references';
import { executeSearch } from '../search/execute';
import { parseSearch } from '../search/parse';
import { escapeValue } from '../search/values';
import type { PlanContext } from '../search/sql';
import { expandStored, fromDefinitions, type Expansion } from '../search/value-sets';
import { readHead } from './read';

/**
 * The codes behind a `:in` value: a ValueSet the definitions hold (by canonical URL), else one
 * stored in this station (by canonical `url[|version]`, the newest when no version is named, or by
 * `ValueSet/id`). ValueSets are terminology, not anyone's record: they are looked up whatever the
 * actor may read, and the lookup is not audited.
 */
export async function expandValueSet(q: Queryable, ctx: PlanContext, defs: R4Definitions, reference: string): Promise<Expansion> {
  const [url, version] = splitCanonical(reference);
  const known = version === undefined ? defs.valueSets.get(url) : undefined;
  if (known) return fromDefinitions(known);
  const stored = (await byId(q, ctx, reference)) ?? (await byUrl(q, ctx, defs, url, version));
  if (!stored) {
    throw badRequest(
      `Không tìm thấy ValueSet ${reference} (hoặc không mở rộng được mà không có máy chủ thuật ngữ)`,
      `Unknown ValueSet ${reference}, or one that cannot be expanded without a terminology server`,
    );
  }
  return expandStored(stored, reference);
}

function splitCanonical(reference: string): [string, string | undefined] {
  const bar = reference.lastIndexOf('|');
  return bar < 0 ? [reference, undefined] : [reference.slice(0, bar), reference.slice(bar + 1)];
}

/** `ValueSet/id`, relative or under this server's base. */
async function byId(q: Queryable, ctx: PlanContext, reference: string): Promise<ValueSet | undefined> {
  const local = reference.startsWith(`${ctx.baseUrl}/`) ? reference.slice(ctx.baseUrl.length + 1) : reference;
  const match = /^ValueSet\/([^/]+)$/.exec(local);
  if (!match || !isValidId(match[1])) return undefined;
  const head = await readHead(q, ctx.stationId, 'ValueSet', match[1]);
  return head && !head.deleted ? (head.content as ValueSet) : undefined;
}

async function byUrl(q: Queryable, ctx: PlanContext, defs: R4Definitions, url: string, version: string | undefined): Promise<ValueSet | undefined> {
  const pairs: [string, string][] = [['url', escapeValue(url)], ['_sort', '-_lastUpdated'], ['_count', '1']];
  if (version !== undefined) pairs.push(['version', escapeValue(version)]);
  const req = parseSearch('ValueSet', pairs, defs);
  req.total = 'none';
  const result = await executeSearch(q, req, ctx);
  return result.resources[0] as ValueSet | undefined;
}
