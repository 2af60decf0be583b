import type { OperationOutcome } from '@medplum/fhirtypes';

/** The server answered with an error status; `message` is the Vietnamese text of its OperationOutcome. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly outcome?: OperationOutcome,
  ) {
    super(message);
  }
}

/** The request never got an answer (offline, connection dropped, timeout): it may be retried. */
export class NetworkError extends Error {}

/** Our server writes texts as "Vietnamese / English"; the page shows the Vietnamese half. */
export function vietnamese(text: string): string {
  return text.split(' / ')[0];
}

/** The errors (not warnings) of an OperationOutcome, in Vietnamese, one per line. */
export function outcomeMessage(outcome: OperationOutcome | undefined, fallback: string): string {
  const issues = (outcome?.issue ?? []).filter((i) => i.severity === 'error' || i.severity === 'fatal');
  const texts = issues.map((i) => vietnamese(i.details?.text ?? i.diagnostics ?? '')).filter(Boolean);
  return texts.length ? [...new Set(texts)].join('\n') : fallback;
}

type Listener = () => void;
const unauthorisedListeners = new Set<Listener>();

/** Called when the server says the session is over (401), so the app can ask to sign in again. */
export function onUnauthorised(listener: Listener): () => void {
  unauthorisedListeners.add(listener);
  return () => unauthorisedListeners.delete(listener);
}

let csrfToken: string | undefined;

/** The CSRF token of the current session, sent with every unsafe request. */
export function setCsrfToken(token: string | undefined): void {
  csrfToken = token;
}

export interface RequestOptions {
  method?: string;
  body?: unknown;
  headers?: Record<string, string>;
  signal?: AbortSignal;
  /** Milliseconds before the request is abandoned as a network failure. */
  timeout?: number;
}

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * fetch with the session cookie, the CSRF header and JSON in and out. Throws ApiError for error
 * statuses and NetworkError when no answer came back.
 */
export async function request<T>(url: string, options: RequestOptions = {}): Promise<T> {
  const method = options.method ?? 'GET';
  const headers: Record<string, string> = { accept: 'application/fhir+json, application/json', ...options.headers };
  if (options.body !== undefined) headers['content-type'] ??= 'application/fhir+json';
  if (UNSAFE.has(method) && csrfToken) headers['x-csrf-token'] = csrfToken;
  const signals = [options.signal, AbortSignal.timeout(options.timeout ?? 20_000)].filter((s): s is AbortSignal => !!s);
  let response: Response;
  try {
    response = await fetch(url, {
      method,
      headers,
      credentials: 'same-origin',
      // Health records stay out of the browser's disk cache, and a record read after a change is current.
      cache: 'no-store',
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      signal: AbortSignal.any(signals),
    });
  } catch (err) {
    if (options.signal?.aborted) throw err;
    throw new NetworkError('Mất kết nối với máy chủ của trạm');
  }
  const text = await response.text().catch(() => {
    throw new NetworkError('Mất kết nối khi đang nhận dữ liệu');
  });
  const body = text ? parseJson(text) : undefined;
  if (response.ok) return body as T;
  if (response.status === 401) unauthorisedListeners.forEach((l) => l());
  const outcome = (body as { resourceType?: string })?.resourceType === 'OperationOutcome' ? (body as OperationOutcome) : undefined;
  throw new ApiError(response.status, outcomeMessage(outcome, statusMessage(response.status)), outcome);
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function statusMessage(status: number): string {
  if (status === 401) return 'Phiên làm việc đã hết, hãy đăng nhập lại';
  if (status === 403) return 'Bạn không có quyền xem hoặc sửa mục này';
  if (status === 404) return 'Không tìm thấy';
  if (status >= 500) return 'Máy chủ đang gặp sự cố, hãy thử lại sau';
  return `Yêu cầu không thành công (mã ${status})`;
}
