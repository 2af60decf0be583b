import { badRequest, bilingual, echoed, OperationOutcomeError, outcome, tooLarge } from '../fhir/outcomes';
import { jsonErrorPlace, MAX_JSON_DEPTH } from './json-text';

/** What body-parser (and raw-body under it) attaches to the errors it raises (http-errors). */
interface BodyReadError {
  type?: string;
  status?: number;
  expose?: boolean;
  message?: string;
  /** The body's text, on a parse error (`entity.parse.failed`). */
  body?: unknown;
  /** zlib's code (`Z_DATA_ERROR`…) when the body did not decompress. */
  code?: string;
  encoding?: string;
  charset?: string;
}

/**
 * The client's fault in a request body body-parser could not read, as an OperationOutcome with the
 * status body-parser chose; undefined for any other error. Every such error of a client (status
 * 4xx, `expose`) is mapped — a bad gzip stream, a coding or charset we cannot decode, an aborted
 * upload — so none can pass for a fault of ours (500). RFC 9110 §15.5.16: an unsupported content
 * coding is a 415.
 */
export function bodyReadFailure(err: unknown, maxBodyBytes: number): OperationOutcomeError | undefined {
  // A refusal of our own from body-parser's `verify` (json-body.ts), which body-parser rethrows.
  if (err instanceof OperationOutcomeError) return err;
  const e = err as BodyReadError | undefined;
  // body-parser's parse errors are SyntaxErrors with the text they failed on.
  if (err instanceof SyntaxError) return malformedJson(typeof e?.body === 'string' ? e.body : undefined);
  const status = e?.status;
  if (!e?.expose || typeof status !== 'number' || status < 400 || status > 499) return undefined;
  switch (e.type) {
    case 'entity.too.large':
      return tooLarge(maxBodyBytes);
    case 'entity.parse.failed':
      return malformedJson(typeof e.body === 'string' ? e.body : undefined);
    case 'encoding.unsupported':
      return failure(
        415,
        'not-supported',
        `Không hỗ trợ mã hóa nội dung (Content-Encoding) ${echoed(e.encoding)}; hãy dùng gzip, deflate, br hoặc không mã hóa`,
        `Unsupported Content-Encoding ${echoed(e.encoding)}; use gzip, deflate, br or none`,
      );
    case 'charset.unsupported':
      return unsupportedCharset(e.charset ?? '');
  }
  // body-parser wraps zlib's error in one whose message is only the status text.
  if (e.code?.startsWith('Z_')) {
    return failure(status, 'invalid', 'Không giải mã được nội dung theo Content-Encoding đã khai', 'The request body does not decode as its Content-Encoding says');
  }
  return failure(status, 'invalid', 'Không đọc được nội dung yêu cầu', `The request body could not be read (${e.type ?? e.message})`);
}

/** A body in a charset other than UTF-8, the one FHIR (R4 http.html#mime-type) and the sign-in routes read. */
export function unsupportedCharset(charset: string): OperationOutcomeError {
  return failure(415, 'not-supported', `Không hỗ trợ bảng mã ${echoed(charset)}; hãy dùng UTF-8`, `Unsupported charset ${echoed(charset)}; use UTF-8`);
}

/**
 * A body that is not JSON, saying where it stops being JSON (when `text` is known) and nothing of
 * what it says. JSON.parse's message quotes the text around the error — in a request body, a
 * patient's name or diagnosis — and the diagnostics are recorded in the audit trail (the failed
 * attempt's outcomeDesc) as well as sent back.
 */
export function malformedJson(text?: string): OperationOutcomeError {
  const place = text === undefined ? undefined : jsonErrorPlace(text);
  if (!place) return badRequest('Nội dung JSON không hợp lệ', 'Malformed JSON');
  const { position, line, column, atEnd } = place;
  return badRequest(
    `Nội dung JSON không hợp lệ tại vị trí ${position} (dòng ${line}, cột ${column})${atEnd ? ': nội dung kết thúc quá sớm' : ''}`,
    `Malformed JSON at position ${position} (line ${line} column ${column})${atEnd ? ': unexpected end of input' : ''}`,
  );
}

/** A body nesting objects and arrays deeper than MAX_JSON_DEPTH (json-text.ts says why). */
export function jsonTooDeepFailure(): OperationOutcomeError {
  return badRequest(`Nội dung JSON lồng nhau quá ${MAX_JSON_DEPTH} cấp`, `JSON nested deeper than ${MAX_JSON_DEPTH} levels`);
}

function failure(status: number, code: 'invalid' | 'not-supported', vi: string, en: string): OperationOutcomeError {
  return new OperationOutcomeError(outcome('error', code, bilingual(vi, en)), status);
}
