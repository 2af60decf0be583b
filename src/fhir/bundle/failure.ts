import { bilingual, OperationOutcomeError, toOutcomeError } from '../outcomes';

/**
 * A transaction's failure caused by one entry, with that entry named (`Bundle.entry[i]` in every
 * issue's expression, its number in the text) so the client can find it, whichever step of the
 * processing — deciding ids, resolving references, running the entry — found the fault.
 */
export function entryFailure(err: unknown, index: number): OperationOutcomeError {
  const failure = toOutcomeError(err);
  const issues = (failure.outcome.issue ?? []).map((issue) => ({
    ...issue,
    diagnostics: `${bilingual(`Mục ${index} của giao dịch thất bại, không có gì được lưu`, `Transaction entry ${index} failed, nothing was stored`)}: ${issue.diagnostics ?? ''}`,
    expression: [...(issue.expression ?? []), `Bundle.entry[${index}]`],
  }));
  return new OperationOutcomeError({ ...failure.outcome, issue: issues }, failure.status);
}
