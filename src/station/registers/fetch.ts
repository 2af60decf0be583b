import type { Resource } from '@medplum/fhirtypes';
import type { Repository } from '../../fhir/store/repository';

/** Search helpers for reports: every page of a search, and many resources by id in few queries. */

const PAGE = 1000;

/** Every match of a search, following the engine's keyset cursor page by page. */
export async function searchAll<T extends Resource>(repo: Repository, type: string, pairs: [string, string][]): Promise<T[]> {
  const req = repo.parseSearch(type, [...pairs, ['_count', String(PAGE)]]);
  req.total = 'none';
  const out: T[] = [];
  for (;;) {
    const page = await repo.search(req);
    out.push(...(page.resources as T[]));
    if (!page.next) return out;
    req.cursor = page.next;
  }
}

/** Resources by id (chunks of `_id=a,b,c`), keyed by id; missing ones are simply absent. */
export async function readMany<T extends Resource>(repo: Repository, type: string, ids: Iterable<string>): Promise<Map<string, T>> {
  const unique = [...new Set(ids)];
  const found = new Map<string, T>();
  for (let i = 0; i < unique.length; i += 200) {
    const chunk = unique.slice(i, i + 200);
    for (const r of await searchAll<T>(repo, type, [['_id', chunk.join(',')]])) found.set(r.id!, r);
  }
  return found;
}

/** `Type/id` → id when the reference is of that type. */
export function idOf(reference: string | undefined, type: string): string | undefined {
  return reference?.startsWith(`${type}/`) ? reference.slice(type.length + 1) : undefined;
}
