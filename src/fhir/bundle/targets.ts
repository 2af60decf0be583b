import { randomUUID } from 'node:crypto';
import type { BundleEntry, Resource } from '@medplum/fhirtypes';
import { badRequest } from '../outcomes';
import type { Repository } from '../store/repository';
import { splitUrl } from './links';
import type { ReferenceMap } from './references';

/** What a transaction's entries will write, decided before any of them runs. */
export interface Targets {
  /** fullUrl → `Type/id`, for rewriting references between entries. */
  refs: ReferenceMap;
  /**
   * Entry index → the id its create gets (a POST; a conditional PUT that matches nothing and
   * names no id), or `match:<id>` for a conditional create that matched (nothing to write).
   */
  assigned: Map<number, string>;
}

/**
 * Decides every new or matched id first, so references between entries can be rewritten, and
 * refuses a transaction that writes one resource twice: R4 (http.html#trules) says a transaction
 * whose identities overlap in its DELETE, POST and PUT/PATCH steps SHALL fail — which write would
 * win depends on an order the client may not expect. Conditional URLs count by what they match
 * (under their lock, held to the commit, as when the entry runs).
 */
export async function decideTargets(entries: BundleEntry[], repo: Repository, baseUrl: string): Promise<Targets> {
  const refs: ReferenceMap = new Map();
  const assigned = new Map<number, string>();
  const written = new Map<string, number>();
  const writes = (identity: string | undefined, i: number): void => {
    if (!identity) return;
    const first = written.get(identity);
    if (first !== undefined) {
      throw badRequest(
        `Mục ${first} và mục ${i} của giao dịch cùng ghi ${identity}; mỗi tài nguyên chỉ được ghi một lần`,
        `Transaction entries ${first} and ${i} both write ${identity}; a transaction may write a resource once`,
        [`Bundle.entry[${i}].request.url`],
      );
    }
    written.set(identity, i);
  };
  for (const [i, entry] of entries.entries()) {
    const { method, url, ifNoneExist } = entry.request!;
    const resource = entry.resource as Resource | undefined;
    if (method === 'POST' && resource) {
      const match = ifNoneExist ? await repo.findConditionalMatch(resource.resourceType, ifNoneExist.replace(/^[^?]*\?/, '')) : undefined;
      const id = match ?? randomUUID();
      assigned.set(i, match ? `match:${id}` : id);
      if (entry.fullUrl) refs.set(entry.fullUrl, `${resource.resourceType}/${id}`);
      continue;
    }
    if (method !== 'PUT' && method !== 'PATCH' && method !== 'DELETE') continue;
    const [path, query] = splitUrl(url!, baseUrl);
    if (!query) {
      writes(path, i);
      if (method === 'PUT' && entry.fullUrl) refs.set(entry.fullUrl, path);
      continue;
    }
    const match = await repo.findConditionalMatch(path, query);
    let id = match;
    if (!id && method === 'PUT') {
      // Created by this entry: with the body's id, or one decided now, so references to its fullUrl
      // name the resource it writes.
      id = resource?.id ?? randomUUID();
      if (!resource?.id) assigned.set(i, id);
    }
    if (id) writes(`${path}/${id}`, i);
    if (method === 'PUT' && entry.fullUrl && id) refs.set(entry.fullUrl, `${path}/${id}`);
  }
  return { refs, assigned };
}
