import type { Resource } from '@medplum/fhirtypes';
import { badRequest } from '../fhir/outcomes';
import { MAX_COUNT } from '../fhir/search/request';
import type { Repository } from '../fhir/store/repository';

/**
 * Every match of a search the operations run for themselves (one page of at most MAX_COUNT; more
 * would mean the request covers too much, which the caller is told to narrow).
 */
export async function findAll<T extends Resource>(repo: Repository, type: T['resourceType'], pairs: [string, string][]): Promise<T[]> {
  const req = repo.parseSearch(type, [...pairs, ['_count', String(MAX_COUNT)]]);
  if (req.ignored.length) throw new Error(`internal search on ${type} ignored ${req.ignored.map((i) => i.name).join(', ')}`);
  const result = await repo.search(req, new URLSearchParams(pairs).toString());
  if (result.next) {
    throw badRequest(`Yêu cầu bao trùm quá nhiều ${type} (hơn ${MAX_COUNT}); hãy thu hẹp khoảng thời gian`, `The request covers more than ${MAX_COUNT} ${type}; narrow the period`);
  }
  return result.resources as T[];
}

/** The single match of a search, or undefined. */
export async function findOne<T extends Resource>(repo: Repository, type: T['resourceType'], pairs: [string, string][]): Promise<T | undefined> {
  const req = repo.parseSearch(type, [...pairs, ['_count', '1']]);
  const result = await repo.search(req, new URLSearchParams(pairs).toString());
  return result.resources[0] as T | undefined;
}

/** `Type/id` → id when the reference is to `type`, else undefined. */
export function idOf(reference: string | undefined, type: string): string | undefined {
  return reference?.startsWith(`${type}/`) ? reference.slice(type.length + 1).split('/')[0] : undefined;
}
