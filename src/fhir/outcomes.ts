import type { OperationOutcome, OperationOutcomeIssue } from '@medplum/fhirtypes';

/**
 * FHIR errors from the start: the engine throws OperationOutcomeError, the HTTP layer maps the
 * outcome to a status once (statusOf). Texts a person reads are Vietnamese first, then English.
 */

export type IssueCode = OperationOutcomeIssue['code'];

/** An error carrying the OperationOutcome (and HTTP status, and headers it needs) the client should receive. */
export class OperationOutcomeError extends Error {
  constructor(
    readonly outcome: OperationOutcome,
    readonly status: number,
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(outcome.issue?.[0]?.diagnostics ?? outcome.issue?.[0]?.details?.text ?? 'FHIR error');
  }
}

/** Vietnamese and English in one line, as staff and app developers both read these. */
export function bilingual(vi: string, en: string): string {
  return `${vi} / ${en}`;
}

/** The most of a client's input an error text repeats: enough to say which parameter, value or type is meant. */
export const MAX_ECHOED = 100;

/**
 * A client's input as an error text repeats it: cut after MAX_ECHOED characters, with an ellipsis.
 * Every error text that quotes what the request sent (a parameter's name or value, a type, a header,
 * a path) quotes it through this. Repeated whole, a request line up to the 64 KB of headers came
 * back four times in one answer (diagnostics and details, Vietnamese and English): a reflection of
 * whatever a hostile page made a browser send, and, as the refusal's text is the audit record's
 * `outcomeDesc`, a search value (a name, an ID card number) kept whole in the audit trail.
 */
export function echoed(input: unknown): string {
  const text = String(input);
  if (text.length <= MAX_ECHOED) return text;
  // Not between the two halves of a surrogate pair (an emoji, a rare Han character).
  const end = /[\uD800-\uDBFF]/.test(text[MAX_ECHOED - 1]) ? MAX_ECHOED - 1 : MAX_ECHOED;
  return `${text.slice(0, end)}…`;
}

export function outcome(
  severity: OperationOutcomeIssue['severity'],
  code: IssueCode,
  text: string,
  expression?: string[],
): OperationOutcome {
  const issue: OperationOutcomeIssue = { severity, code, diagnostics: text, details: { text } };
  if (expression?.length) issue.expression = expression;
  return { resourceType: 'OperationOutcome', issue: [issue] };
}

function fail(status: number, code: IssueCode, vi: string, en: string, expression?: string[]): OperationOutcomeError {
  return new OperationOutcomeError(outcome('error', code, bilingual(vi, en), expression), status);
}

export const badRequest = (vi: string, en: string, expression?: string[]): OperationOutcomeError =>
  fail(400, 'invalid', vi, en, expression);

export const notFound = (what: string): OperationOutcomeError =>
  fail(404, 'not-found', `Không tìm thấy ${echoed(what)}`, `${echoed(what)} not found`);

export const gone = (what: string): OperationOutcomeError =>
  fail(410, 'deleted', `${echoed(what)} đã bị xóa`, `${echoed(what)} has been deleted`);

export const forbidden = (vi: string, en: string): OperationOutcomeError => fail(403, 'forbidden', vi, en);

export const conflict = (vi: string, en: string): OperationOutcomeError => fail(409, 'conflict', vi, en);

/** A business identifier another resource already holds. */
export const duplicate = (vi: string, en: string, expression?: string[]): OperationOutcomeError =>
  fail(409, 'duplicate', vi, en, expression);

export const preconditionFailed = (vi: string, en: string): OperationOutcomeError => fail(412, 'conflict', vi, en);

export const notSupported = (vi: string, en: string, status = 400): OperationOutcomeError =>
  fail(status, 'not-supported', vi, en);

/** 405 with the `Allow` header RFC 9110 §15.5.6 requires: the methods the path does serve. */
export function methodNotAllowed(method: string, path: string, allowed: readonly string[]): OperationOutcomeError {
  const { outcome } = fail(405, 'not-supported', `Không hỗ trợ ${method} trên ${echoed(path)} (chỉ ${allowed.join(', ')})`, `${method} is not allowed on ${echoed(path)} (only ${allowed.join(', ')})`);
  return new OperationOutcomeError(outcome, 405, { Allow: allowed.join(', ') });
}

export const tooLarge = (limit: number): OperationOutcomeError =>
  fail(413, 'too-costly', `Nội dung yêu cầu vượt quá ${limit} byte`, `Request body exceeds ${limit} bytes`);

export const unsupportedMediaType = (type: string): OperationOutcomeError =>
  fail(415, 'not-supported', `Không hỗ trợ kiểu nội dung ${echoed(type)}`, `Unsupported media type ${echoed(type)}; use application/fhir+json`);

/** An invalid resource: 400 with every validation issue (see README, "Validation"). */
export function invalidResource(issues: OperationOutcomeIssue[]): OperationOutcomeError {
  return new OperationOutcomeError({ resourceType: 'OperationOutcome', issue: issues }, 400);
}

export function allOk(text = 'Thành công / All OK'): OperationOutcome {
  return outcome('information', 'informational', text);
}

/**
 * PostgreSQL's refusals of a transaction that ran into a concurrent one: a deadlock (40P01; two
 * transaction Bundles updating the same resources in opposite orders) or a serialization failure
 * (40001). The database rolled the whole transaction back, so nothing was written and the same
 * request can simply be sent again: a 409 that says so, not a 500 that says the server is broken.
 */
const CONCURRENCY_FAILURES = new Set(['40P01', '40001']);

function isConcurrencyFailure(err: unknown): boolean {
  return typeof err === 'object' && err !== null && CONCURRENCY_FAILURES.has(String((err as { code?: unknown }).code));
}

/** Maps anything thrown to an OperationOutcomeError; unknown errors become a bare 500. */
export function toOutcomeError(err: unknown): OperationOutcomeError {
  if (err instanceof OperationOutcomeError) return err;
  if (isConcurrencyFailure(err)) {
    return fail(
      409,
      'lock-error',
      'Yêu cầu va chạm với một yêu cầu khác chạy cùng lúc trên cùng hồ sơ; không có gì được ghi — hãy gửi lại',
      'The request collided with another one changing the same records at the same time; nothing was written — send it again',
    );
  }
  return fail(500, 'exception', 'Lỗi máy chủ nội bộ', 'Internal server error');
}
