import { randomUUID } from 'node:crypto';
import type { BundleEntry, Resource } from '@medplum/fhirtypes';
import { badRequest } from '../outcomes';
import { conditionKey, type Repository } from '../store/repository';
import { entryFailure } from './failure';
import { splitUrl } from './links';
import type { ReferenceMap } from './references';

/** What a transaction's entries will write, decided before any of them runs. */
export interface Targets {
  /** fullUrl → `Type/id`, for rewriting references between entries. */
  refs: ReferenceMap;
  /**
   * Entry index → the id its create gets (a POST, or a conditional PUT that matched nothing), or
   * `match:<id>` for a conditional create that matched (nothing to write).
   */
  assigned: Map<number, string>;
  /** The conditional entries that found or made a resource, to be searched again after the writes. */
  conditions: DecidedCondition[];
  /**
   * `Type/id` of every resource the DELETE entries delete. They run first, so no condition of a
   * later step finds them, nor a conditional reference (the resource it named would be gone).
   */
  deleted: ReadonlySet<string>;
}

/** A conditional entry (POST `ifNoneExist`, PUT or PATCH by criteria) and the resource it decided on. */
export interface DecidedCondition {
  index: number;
  resourceType: string;
  criteria: string;
  /** The id it creates, updates, patches or (a conditional create that matched) answers with. */
  id: string;
}

/**
 * Decides every new or matched id first, so references between entries can be rewritten, and
 * refuses a transaction that writes one resource twice: R4 (http.html#trules) says a transaction
 * whose identities overlap in its DELETE, POST and PUT/PATCH steps SHALL fail — which write would
 * win depends on an order the client may not expect. Conditional URLs count by what they match
 * (under their lock, held to the commit, as when the entry runs).
 *
 * Rewrites the entries' requests in place (they are the request's own parse, read by nothing
 * after the transaction):
 * - a condition's values naming another entry's fullUrl (`Observation?subject=urn:uuid:…`, an
 *   `ifNoneExist`, a GET's search) become that entry's `Type/id`, as references in resources do;
 * - a conditional PUT, PATCH or DELETE that matched, and a conditional PUT that creates, becomes a
 *   plain write of the resource decided here, so references to its fullUrl name what it writes.
 *   Whether an entry running before it changed what its condition finds is checked after the
 *   writes (recheck.ts), against the `conditions` returned.
 */
export async function decideTargets(entries: BundleEntry[], repo: Repository, baseUrl: string): Promise<Targets> {
  const refs: ReferenceMap = new Map();
  const assigned = new Map<number, string>();
  const conditions: DecidedCondition[] = [];
  const deleted = new Set<string>();
  // Conditional creates that create, by condition (conditionKey): a later one with the same
  // condition finds the earlier one's resource, as it would running after it in the spec's order
  // (POSTs in the Bundle's order), instead of creating a twin.
  const createdFor = new Map<string, { index: number; id: string }>();
  const written = new Map<string, number>();
  const writes = (identity: string, i: number): void => {
    const first = written.get(identity);
    if (first !== undefined) {
      const [a, b] = first < i ? [first, i] : [i, first];
      throw badRequest(
        `Mục ${a} và mục ${b} của giao dịch cùng ghi ${identity}; mỗi tài nguyên chỉ được ghi một lần`,
        `Transaction entries ${a} and ${b} both write ${identity}; a transaction may write a resource once`,
        [`Bundle.entry[${b}].request.url`],
      );
    }
    written.set(identity, i);
  };

  // Entries without a condition first: their ids are known without a search, and a condition may
  // name them.
  const conditional: number[] = [];
  for (const [i, entry] of entries.entries()) {
    const { method, url, ifNoneExist } = entry.request!;
    const resource = entry.resource as Resource | undefined;
    if (method === 'POST' && resource) {
      if (ifNoneExist) {
        conditional.push(i);
        continue;
      }
      decideCreate(entry, i);
    } else if (method === 'PUT' || method === 'PATCH' || method === 'DELETE') {
      const [path, query] = splitUrl(url!, baseUrl);
      // Only `[type]?criteria` is conditional: `[type]/[id]?…` writes that instance, its query
      // ignored as over REST (the router serves it as the plain write).
      if (query && !path.includes('/')) {
        conditional.push(i);
        continue;
      }
      writes(path, i);
      if (method === 'DELETE') deleted.add(path);
      if (method === 'PUT' && entry.fullUrl) refs.set(entry.fullUrl, path);
    }
  }

  // Conditions in document order; one naming the fullUrl of a conditional entry not yet decided
  // waits for it (a conditional create of the patient, then a conditional update of an observation
  // of that patient, in any order).
  const undecided = new Set(
    conditional.filter((i) => ['POST', 'PUT'].includes(entries[i].request!.method!)).flatMap((i) => entries[i].fullUrl ?? []),
  );
  // DELETEs run first (R4's order): a condition of a later step must not find what they delete, so
  // theirs are decided before the others'. A DELETE cannot wait for an entry that runs after it.
  const [deletes, others] = [conditional.filter((i) => entries[i].request!.method === 'DELETE'), conditional.filter((i) => entries[i].request!.method !== 'DELETE')];
  await decideAll(deletes, (i) =>
    badRequest(
      `Mục ${i}: điều kiện của DELETE gọi tới một mục có điều kiện chạy sau nó`,
      `Entry ${i}: the DELETE's condition names a conditional entry, which runs after it`,
      [`Bundle.entry[${i}].request.url`],
    ),
  );
  await decideAll(others, (i) =>
    badRequest(
      `Mục ${i}: điều kiện tham chiếu vòng tròn giữa các mục của giao dịch`,
      `Entry ${i}: the conditions of the transaction's entries name each other in a circle`,
      [`Bundle.entry[${i}].request`],
    ),
  );
  // A GET's search may name an entry too (it runs after every write).
  for (const entry of entries) {
    const request = entry.request!;
    if (request.method !== 'GET' && request.method !== 'HEAD') continue;
    const [path, query] = splitUrl(request.url!, baseUrl);
    if (query) request.url = `${path}?${rewriteQuery(query, refs, undecided)!}`;
  }
  return { refs, assigned, conditions, deleted };

  /** Decides the conditional entries of `list`, each once what its condition names is decided. */
  async function decideAll(list: number[], stuck: (i: number) => Error): Promise<void> {
    while (list.length) {
      const waiting: number[] = [];
      for (const i of list) {
        let decided: boolean;
        try {
          decided = await decideConditional(entries[i], i);
        } catch (err) {
          throw entryFailure(err, i); // several matches (412), an unknown type or parameter (400/404)
        }
        if (!decided) waiting.push(i);
      }
      if (waiting.length === list.length) throw stuck(waiting[0]);
      list = waiting;
    }
  }

  /** A POST's id: a new one, or the resource its `ifNoneExist` matched (nothing to write). */
  function decideCreate(entry: BundleEntry, i: number, match?: string): void {
    const id = match ?? randomUUID();
    assigned.set(i, match ? `match:${id}` : id);
    if (entry.fullUrl) refs.set(entry.fullUrl, `${entry.resource!.resourceType}/${id}`);
  }

  /** Decides one conditional entry; false while its condition names an entry not yet decided. */
  async function decideConditional(entry: BundleEntry, i: number): Promise<boolean> {
    const request = entry.request!;
    const resource = entry.resource as Resource | undefined;
    if (request.method === 'POST') {
      const criteria = rewriteQuery(request.ifNoneExist!.replace(/^[^?]*\?/, ''), refs, undecided);
      if (criteria === undefined) return false;
      request.ifNoneExist = criteria;
      const type = resource!.resourceType;
      repo.requireConditional(type, 'POST');
      const key = conditionKey(type, criteria);
      const earlier = createdFor.get(key);
      const match = earlier && earlier.index < i ? earlier.id : await repo.findConditionalMatch(type, criteria, false, deleted);
      decideCreate(entry, i, match);
      if (!match && !earlier) createdFor.set(key, { index: i, id: assigned.get(i)! });
      conditions.push({ index: i, resourceType: type, criteria, id: match ?? assigned.get(i)! });
      return true;
    }
    const [path, query] = splitUrl(request.url!, baseUrl);
    const criteria = rewriteQuery(query, refs, undecided);
    if (criteria === undefined) return false;
    request.url = `${path}?${criteria}`;
    repo.requireConditional(path, request.method as 'PUT' | 'PATCH' | 'DELETE');
    // Two DELETEs of one resource are refused as any double write, not the later one found empty.
    let id = await repo.findConditionalMatch(path, criteria, false, request.method === 'DELETE' ? undefined : deleted);
    // A conditional PUT that matches nothing creates: with the body's id, or one decided now, so
    // references to its fullUrl name the resource it writes. Assigned, as a create's id: the
    // update may only create under it (an id another resource holds is a 409, as over REST).
    if (!id && request.method === 'PUT') {
      id = resource?.id ?? randomUUID();
      assigned.set(i, id);
    }
    // No match for a PATCH (404) or a DELETE (nothing to do): left conditional, to answer as REST does.
    if (!id) return true;
    writes(`${path}/${id}`, i);
    if (request.method === 'DELETE') deleted.add(`${path}/${id}`);
    else conditions.push({ index: i, resourceType: path, criteria, id });
    if (request.method === 'PUT') {
      // A conditional update's body may omit the id; one that names another id is refused by the
      // update, as over REST.
      if (resource && resource.id === undefined) resource.id = id;
      if (entry.fullUrl) refs.set(entry.fullUrl, `${path}/${id}`);
    }
    request.url = `${path}/${id}`;
    return true;
  }
}

/**
 * A condition's query with every value naming an entry's fullUrl replaced by that entry's
 * `Type/id` (each of a value's comma-separated alternatives); undefined while one names an entry
 * whose id is not decided yet. Any other value stays as written — a `urn:` may be a value of its
 * own (an identifier system `urn:oid:…|123`, a canonical URL), not a pointer into the Bundle.
 */
function rewriteQuery(query: string, refs: ReferenceMap, undecided: Set<string>): string | undefined {
  let changed = false;
  const pairs: [string, string][] = [];
  for (const [name, value] of new URLSearchParams(query)) {
    const parts: string[] = [];
    for (const part of value.split(',')) {
      const mapped = refs.get(part);
      if (undecided.has(part) && !mapped) return undefined;
      parts.push(mapped ?? part);
      changed ||= mapped !== undefined;
    }
    pairs.push([name, parts.join(',')]);
  }
  return changed ? new URLSearchParams(pairs).toString() : query;
}
