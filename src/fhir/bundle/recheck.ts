import type { Resource } from '@medplum/fhirtypes';
import { preconditionFailed, type OperationOutcomeError } from '../outcomes';
import { MAX_INDEXED_CHARS } from '../index/tables';
import { MAX_COUNT } from '../search/request';
import type { Repository } from '../store/repository';
import type { DecidedCondition } from './targets';

/** The resource one entry wrote (`written` lists them in the order the entries ran). */
export interface EntryWrite {
  index: number;
  resource: Resource;
}

/**
 * Searches each conditional entry's condition again once every entry has written. The first that
 * now matches a resource another entry wrote before this one's turn in the spec's order is the
 * transaction's failure (412), returned with the entry's index. The conditions were decided before
 * anything ran (targets.ts), so that references could name their results; run in order, such a
 * condition would have found that resource — a conditional update of a resident POSTed in the
 * same Bundle would have updated it (and collided with the POST), a conditional create would have
 * matched it. Answering 200 with two residents of one identifier is the silent duplicate a health
 * record must not get.
 *
 * Only conditions an earlier entry could have changed are searched again: those of a type an
 * entry before them wrote, or chained ones (`subject:Patient.identifier=…`, `_has`) after any
 * write. An import of residents by conditional creates (`identifier=…` each) is not searched
 * twice: a condition on identifiers alone is searched again only when an earlier entry wrote a
 * resource carrying one of its values.
 */
export async function recheckConditions(
  conditions: readonly DecidedCondition[],
  written: readonly EntryWrite[],
  /** An entry's place in the processing order (DELETE, POST, PUT/PATCH; then the Bundle's order). */
  positionOf: (index: number) => number,
  repo: Repository,
): Promise<{ index: number; failure: OperationOutcomeError } | undefined> {
  const byRef = new Map(written.map((w) => [`${w.resource.resourceType}/${w.resource.id}`, w]));
  const identifiers = identifierWrites(written);
  // The two earliest writes of each type, and of any type (''): enough to tell whether an entry
  // other than the condition's own wrote before it, without a pass over all writes per condition.
  const earliest = new Map<string, EntryWrite[]>();
  for (const w of written) {
    for (const key of [w.resource.resourceType, '']) {
      const list = earliest.get(key) ?? [];
      if (list.length < 2) earliest.set(key, [...list, w]);
    }
  }
  for (const c of conditions) {
    const position = positionOf(c.index);
    const before = (w: EntryWrite): boolean => w.index !== c.index && positionOf(w.index) < position;
    const params = new URLSearchParams(c.criteria);
    const names = [...params.keys()];
    const chained = names.some((name) => name.includes('.') || name.startsWith('_has'));
    if (!earliest.get(chained ? '' : c.resourceType)?.some(before)) continue;
    const tokens = params.getAll('identifier');
    // Escapes (`\,`, `\|`) and values long enough to be clipped in the index are left to the search.
    if (tokens.length === names.length && !tokens.some((t) => t.includes('\\') || t.length > MAX_INDEXED_CHARS)) {
      const values = tokens.flatMap((t) => t.split(',').map(identifierValue));
      if (!values.some((v) => identifiers.get(`${c.resourceType}|${v}`)?.some(before))) continue;
    }
    const ids = await repo.conditionMatches(c.resourceType, c.criteria, Math.min(written.length + 1, MAX_COUNT));
    for (const id of ids) {
      const w = id === c.id ? undefined : byRef.get(`${c.resourceType}/${id}`);
      if (w && before(w)) {
        const failure = preconditionFailed(
          `Điều kiện ${c.resourceType}?${c.criteria} cũng khớp ${c.resourceType}/${id}, do mục ${w.index} của giao dịch ghi trước lượt mục này; xử lý theo thứ tự, điều kiện đã tìm thấy nó`,
          `The condition ${c.resourceType}?${c.criteria} also matches ${c.resourceType}/${id}, written by entry ${w.index} of the transaction before this entry's turn; processed in order, the condition would have found it`,
        );
        return { index: c.index, failure };
      }
    }
  }
  return undefined;
}

/**
 * The written resources by `Type|identifier value` (lower case: a narrower key than the search's
 * could only skip a search that would have matched). A token `system|value` or `|value` is
 * compared by its value; the system can only narrow a match.
 */
function identifierWrites(written: readonly EntryWrite[]): Map<string, EntryWrite[]> {
  const map = new Map<string, EntryWrite[]>();
  for (const w of written) {
    const list = (w.resource as { identifier?: { value?: string }[] }).identifier ?? [];
    for (const { value } of list) {
      if (typeof value !== 'string') continue;
      const key = `${w.resource.resourceType}|${value.toLowerCase()}`;
      map.set(key, [...(map.get(key) ?? []), w]);
    }
  }
  return map;
}

const identifierValue = (token: string): string => (token.includes('|') ? token.slice(token.indexOf('|') + 1) : token).toLowerCase();
