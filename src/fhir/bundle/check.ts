import type { Bundle, BundleEntry } from '@medplum/fhirtypes';
import { badRequest, echoed } from '../outcomes';

/** The spec's processing order for transactions: DELETE, then POST, then PUT/PATCH, then GET/HEAD. */
export const ORDER: Record<string, number> = { DELETE: 0, POST: 1, PUT: 2, PATCH: 2, GET: 3, HEAD: 3 };

/**
 * Refuses (400, naming the entries) a Bundle whose entries cannot be processed as they stand. A
 * Bundle without entries leaves `entry` out: R4's JSON has no empty arrays (validate/shape.ts).
 */
export function checkEntries(entries: BundleEntry[] | undefined, type: Bundle['type']): void {
  if (entries === undefined) return;
  if (!Array.isArray(entries)) throw badRequest('Bundle.entry phải là một mảng', 'Bundle.entry must be an array', ['Bundle.entry']);
  if (entries.length === 0) {
    throw badRequest('Bundle.entry là mảng rỗng []: Bundle không có mục nào thì bỏ hẳn phần tử entry', 'Bundle.entry is an empty array []: a Bundle without entries leaves the element out', ['Bundle.entry']);
  }
  entries.forEach(checkEntry);
  checkFullUrls(entries, type);
}

/** The request elements R4 types as strings (the method and url are checked with the request). */
const REQUEST_STRINGS = ['ifNoneMatch', 'ifModifiedSince', 'ifMatch', 'ifNoneExist'] as const;

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * The Bundle is parsed JSON, not yet held to R4's types (its resources are validated as each entry
 * runs): an entry that is no object, or a string element that is not a string, is refused here
 * rather than failing deep in the processing, as a 500.
 */
function checkEntry(entry: BundleEntry, i: number): void {
  const at = `Bundle.entry[${i}]`;
  if (!isObject(entry)) throw badRequest(`Mục ${i} phải là một đối tượng JSON`, `Entry ${i} must be a JSON object`, [at]);
  if (entry.fullUrl !== undefined && typeof entry.fullUrl !== 'string') {
    throw badRequest(`Mục ${i}: fullUrl phải là một chuỗi`, `Entry ${i}: fullUrl must be a string`, [`${at}.fullUrl`]);
  }
  // Named as what it is, rather than as a resource of no type (or, in a DELETE, not at all).
  if (isObject(entry.resource) && Object.keys(entry.resource).length === 0) {
    throw badRequest(`Mục ${i}: resource là đối tượng rỗng {}`, `Entry ${i}: resource is an empty object {}`, [`${at}.resource`]);
  }
  const req = entry.request;
  if (!isObject(req) || typeof req.method !== 'string' || typeof req.url !== 'string' || !req.method || !req.url) {
    throw badRequest(`Mục ${i} thiếu request.method hoặc request.url`, `Entry ${i} needs request.method and request.url`, [`${at}.request`]);
  }
  for (const name of REQUEST_STRINGS) {
    if (req[name] !== undefined && typeof req[name] !== 'string') {
      throw badRequest(`Mục ${i}: request.${name} phải là một chuỗi`, `Entry ${i}: request.${name} must be a string`, [`${at}.request.${name}`]);
    }
  }
  // Own keys only: `constructor` is no method, though ORDER inherits it.
  if (!Object.hasOwn(ORDER, req.method)) {
    throw badRequest(`Mục ${i}: phương thức ${echoed(req.method)} không hợp lệ`, `Entry ${i}: invalid method ${echoed(req.method)}`, [`Bundle.entry[${i}].request.method`]);
  }
  if ((req.method === 'POST' || req.method === 'PUT' || req.method === 'PATCH') && !entry.resource) {
    throw badRequest(`Mục ${i} thiếu resource`, `Entry ${i} (${req.method}) needs a resource`, [`Bundle.entry[${i}].resource`]);
  }
}

/**
 * Bundle invariant bdl-7: a fullUrl is unique in a Bundle, unless the entries sharing it have
 * different `meta.versionId`s. A transaction is stricter: references name an entry by its fullUrl
 * alone, and two entries behind one fullUrl would leave a reference to it pointing at whichever
 * was read last.
 */
function checkFullUrls(entries: BundleEntry[], type: Bundle['type']): void {
  const seen = new Map<string, number>();
  for (const [i, entry] of entries.entries()) {
    if (!entry.fullUrl) continue;
    const key = type === 'transaction' ? entry.fullUrl : `${entry.fullUrl}\n${entry.resource?.meta?.versionId ?? ''}`;
    const first = seen.get(key);
    if (first === undefined) {
      seen.set(key, i);
      continue;
    }
    const [vi, en] =
      type === 'transaction'
        ? ['tham chiếu trong giao dịch gọi mục theo fullUrl', 'references in a transaction name an entry by its fullUrl']
        : ['cùng meta.versionId', 'with the same meta.versionId'];
    throw badRequest(
      `Mục ${first} và mục ${i} có cùng fullUrl ${entry.fullUrl} (${vi}); fullUrl phải là duy nhất trong Bundle (bdl-7)`,
      `Entries ${first} and ${i} have the same fullUrl ${entry.fullUrl} (${en}); a fullUrl must be unique in a Bundle (bdl-7)`,
      [`Bundle.entry[${first}].fullUrl`, `Bundle.entry[${i}].fullUrl`],
    );
  }
}
