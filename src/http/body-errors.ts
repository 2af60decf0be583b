import { badRequest, bilingual, OperationOutcomeError, outcome, tooLarge } from '../fhir/outcomes';

/** What body-parser (and raw-body under it) attaches to the errors it raises (http-errors). */
interface BodyReadError {
  type?: string;
  status?: number;
  expose?: boolean;
  message?: string;
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
  if (err instanceof SyntaxError) return malformedJson(err.message);
  const e = err as BodyReadError | undefined;
  const status = e?.status;
  if (!e?.expose || typeof status !== 'number' || status < 400 || status > 499) return undefined;
  switch (e.type) {
    case 'entity.too.large':
      return tooLarge(maxBodyBytes);
    case 'entity.parse.failed':
      return malformedJson(e.message ?? '');
    case 'encoding.unsupported':
      return failure(
        415,
        'not-supported',
        `Không hỗ trợ mã hóa nội dung (Content-Encoding) ${e.encoding}; hãy dùng gzip, deflate, br hoặc không mã hóa`,
        `Unsupported Content-Encoding ${e.encoding}; use gzip, deflate, br or none`,
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
  return failure(415, 'not-supported', `Không hỗ trợ bảng mã ${charset}; hãy dùng UTF-8`, `Unsupported charset ${charset}; use UTF-8`);
}

function malformedJson(message: string): OperationOutcomeError {
  return badRequest('Nội dung JSON không hợp lệ', `Malformed JSON: ${message}`);
}

function failure(status: number, code: 'invalid' | 'not-supported', vi: string, en: string): OperationOutcomeError {
  return new OperationOutcomeError(outcome('error', code, bilingual(vi, en)), status);
}
