import { preconditionFailed, type OperationOutcomeError } from '../outcomes';
import type { Repository } from '../store/repository';
import { MAX_COUNT } from '../search/request';
import type { DecidedCondition } from './targets';

/** What one entry wrote: its place in the processing order (DELETE, POST, PUT/PATCH; then the Bundle's order). */
export interface EntryWrite {
  index: number;
  position: number;
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
 * Only conditions another entry could have changed are searched again: those of a type the
 * transaction wrote elsewhere, or chained ones (`subject:Patient.identifier=…`, `_has`), which any
 * write may change.
 */
export async function recheckConditions(
  conditions: readonly DecidedCondition[],
  written: ReadonlyMap<string, EntryWrite>,
  positionOf: (index: number) => number,
  repo: Repository,
): Promise<{ index: number; failure: OperationOutcomeError } | undefined> {
  for (const c of conditions) {
    const chained = [...new URLSearchParams(c.criteria).keys()].some((name) => name.includes('.') || name.startsWith('_has'));
    const touched = [...written].some(([ref, w]) => w.index !== c.index && (chained || ref.startsWith(`${c.resourceType}/`)));
    if (!touched) continue;
    const ids = await repo.conditionMatches(c.resourceType, c.criteria, Math.min(written.size + 1, MAX_COUNT));
    for (const id of ids) {
      const w = id === c.id ? undefined : written.get(`${c.resourceType}/${id}`);
      if (w && w.position < positionOf(c.index)) {
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
