import { STATUS_CODES, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { bilingual, OperationOutcomeError, outcome, tooLarge } from '../fhir/outcomes';
import { FHIR_JSON } from './response';

/**
 * The requests Node's HTTP server refuses before any route sees them — a request line or header it
 * cannot parse, headers too large, a request that takes too long to arrive, a CONNECT, an `Expect`
 * it cannot meet — answered as every other refusal of the service is: an OperationOutcome in
 * `application/fhir+json` with a bilingual text. Left to Node, they got a bare status line with no
 * body (or, for CONNECT, a closed connection), which FHIR clients report as an unexplained failure.
 *
 * Nothing here repeats what the client sent: Node's parser error carries the raw bytes it read
 * (`rawPacket`), which may hold health data, and only its error code is named.
 *
 * Each refusal is in the audit trail too, as every other refused request is (refusal-audit.ts,
 * `auditParserRefusals`), through the `RefusalAudit` the app gives the server (server.ts).
 */

/**
 * A refusal made here, as the audit trail is told it: the answer, the client's address, and for a
 * request Node did parse (CONNECT, an `Expect`, a version we do not serve) its method and path —
 * never a header's value, the query or the body.
 */
export interface ParserRefusal {
  failure: OperationOutcomeError;
  ip?: string;
  method?: string;
  path?: string;
}

export type RefusalAudit = (refusal: ParserRefusal) => void;

/** What the audit trail is told of a request Node parsed: the path without its query. */
const parsedRequest = (req: IncomingMessage): Omit<ParserRefusal, 'failure'> => ({
  ip: req.socket.remoteAddress,
  method: req.method,
  path: req.url?.split('?')[0],
});

/**
 * The status and OperationOutcome for an error of Node's HTTP parser (`clientError`), by its code:
 * the ones Node itself tells apart (431, 413, 408) keep Node's status, and two it answers with a
 * plain 400 get the status RFC 9110 gives them — a method nobody implements here is 501 (§15.6.2),
 * an HTTP version other than 1.x is 505 (§15.6.6).
 */
export function clientErrorFailure(code: string | undefined): OperationOutcomeError {
  switch (code) {
    // llhttp knows a fixed list of methods (case-sensitive: `get` is not GET); any other is refused here.
    case 'HPE_INVALID_METHOD':
      return failure(501, 'not-supported', 'Máy chủ không hỗ trợ phương thức HTTP này', 'The HTTP method is not supported by this server');
    // The request line and headers over `maxHeaderSize` (64 KB, server.ts).
    case 'HPE_HEADER_OVERFLOW':
      return failure(431, 'too-long', 'Phần đầu (header) của yêu cầu quá lớn', 'Request header fields too large');
    // The one body limit Node's parser enforces: chunk extensions over 16 KB (Node answers 413 too).
    // The body's own limit (MAX_BODY_SIZE) is the body reader's, answered by body-errors.ts.
    case 'HPE_CHUNK_EXTENSIONS_OVERFLOW':
      return failure(413, 'too-long', 'Phần mở rộng của khối (chunk extension) trong nội dung quá lớn', 'Request body chunk extensions too large');
    // `headersTimeout` or `requestTimeout` passed before the request had arrived in full.
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return failure(408, 'timeout', 'Hết thời gian chờ nhận yêu cầu', 'Request timed out before it was received in full');
    // HTTP/1.2, HTTP/3.0…; and the HTTP/2 connection preface (`PRI * HTTP/2.0`) of a client
    // assuming HTTP/2 without asking, which this server does not speak.
    case 'HPE_INVALID_VERSION':
    case 'HPE_PAUSED_H2_UPGRADE':
      return versionNotSupported();
    default:
      return failure(400, 'invalid', 'Yêu cầu HTTP sai cú pháp', `Malformed HTTP request${code ? ` (${code})` : ''}`);
  }
}

const versionNotSupported = (): OperationOutcomeError =>
  failure(505, 'not-supported', 'Không hỗ trợ phiên bản HTTP này; hãy dùng HTTP/1.1', 'HTTP version not supported; use HTTP/1.1');

/**
 * The refusal of a request Node's parser accepted in a version this server does not serve, or
 * undefined for HTTP/1.0 and HTTP/1.1. llhttp takes four versions and refuses the rest
 * (HPE_INVALID_VERSION, above): besides 1.0 and 1.1, `HTTP/2.0` written out in a request line (not
 * the HTTP/2 preface), and a request line with no version at all, HTTP/0.9's, which it reads as 0.9.
 * Node answered both as HTTP/1.1. HTTP/2.0 is a version we do not serve: 505 (RFC 9110 §15.6.6, RFC
 * 9112 §2.3). A request line without a version is no request line HTTP/1.1 knows (RFC 9112 §3:
 * `method SP request-target SP HTTP-version`), and its recipient SHOULD answer 400; a real HTTP/0.9
 * client, which reads a bare body and no status line, no longer exists, and what sends such lines
 * (a typing person, a scanner) reads the 400's text. Node gives `HTTP/0.9` written out the same
 * version, and it gets the same answer.
 */
export function versionFailure(major: number): OperationOutcomeError | undefined {
  if (major === 1) return undefined;
  if (major === 0) {
    return failure(400, 'invalid', 'Dòng yêu cầu thiếu phiên bản HTTP (HTTP/0.9 không được hỗ trợ); hãy dùng HTTP/1.1', 'The request line has no HTTP version (HTTP/0.9 is not supported); use HTTP/1.1');
  }
  return versionNotSupported();
}

/**
 * An HTTP/1.1 request without `Host`, which RFC 9112 §3.2 says a server MUST answer 400. Node does
 * (its `requireHostHeader`), with a bare status line and no body; the server turns Node's check off
 * (server.ts) and makes it here, to answer as every other refusal.
 */
export function missingHostFailure(req: IncomingMessage): OperationOutcomeError | undefined {
  if (req.httpVersionMajor !== 1 || req.httpVersionMinor !== 1 || req.headers.host !== undefined) return undefined;
  return failure(400, 'invalid', 'Yêu cầu HTTP/1.1 phải có phần đầu Host', 'An HTTP/1.1 request must carry a Host header');
}

/**
 * Answers a request Node accepted but this server does not serve (versionFailure,
 * missingHostFailure), and says whether it did: the app is not to see it. Called for every request
 * (server.ts, `serveApp`).
 */
export function refuseUnservedRequest(req: IncomingMessage, res: ServerResponse, audit?: RefusalAudit): boolean {
  const failure = versionFailure(req.httpVersionMajor) ?? missingHostFailure(req);
  if (!failure) return false;
  answerOnResponse(res, failure);
  audit?.({ failure, ...parsedRequest(req) });
  return true;
}

/** A CONNECT (a tunnel through a proxy) — this is no proxy. */
export function connectFailure(): OperationOutcomeError {
  return failure(501, 'not-supported', 'Máy chủ không hỗ trợ phương thức CONNECT', 'CONNECT is not supported by this server');
}

/** An `Expect` other than `100-continue`, the only expectation HTTP defines (RFC 9110 §10.1.1: 417). */
export function expectationFailure(): OperationOutcomeError {
  return failure(417, 'not-supported', 'Chỉ hỗ trợ Expect: 100-continue', 'Only Expect: 100-continue is supported');
}

/**
 * The whole HTTP/1.1 response for a refusal written straight onto a socket, where there is no
 * ServerResponse to do it: the body's length in bytes (the texts are Vietnamese: not its length in
 * characters), and `Connection: close`, as the connection cannot carry another request.
 */
export function rawResponse(failure: OperationOutcomeError): string {
  const body = JSON.stringify(failure.outcome);
  return (
    `HTTP/1.1 ${failure.status} ${STATUS_CODES[failure.status] ?? ''}\r\n` +
    `Content-Type: ${FHIR_JSON}\r\n` +
    `Content-Length: ${Buffer.byteLength(body)}\r\n` +
    'Cache-Control: no-store\r\n' +
    'Connection: close\r\n' +
    '\r\n' +
    body
  );
}

/** How long a refused connection may linger, for its answer to reach the client, before it is destroyed. */
const LINGER_MS = 2_000;

const answered = new WeakSet<Duplex>();

/**
 * Writes the refusal on the socket and closes it, once the answers due before it are out.
 *
 * A parse error in a pipelined request (one sent before the answer to the previous) waits until
 * the answers to the requests before it have been written: Node writes its bare 400 at once, and
 * a client reading its answers in order took the refusal for the answer to its earlier request.
 * An error in the request being answered (its body's chunks malformed, or too slow to arrive)
 * is answered at once: that request will not be complete, and its answer may never come.
 *
 * Nothing is written on a socket the client has closed, or one carrying an answer already begun
 * (a request refused mid-body after its answer had started): bytes after a begun answer would
 * corrupt it (Node's own rule); it is destroyed. The socket is ended rather than destroyed, and
 * destroyed after a moment: destroying it with the client's bytes unread makes the kernel reset
 * the connection, and the client may lose the answer with it. The parser, in error, reports each
 * further packet again: the socket is answered once.
 */
function answerOnSocket(socket: Duplex, failure: OperationOutcomeError): void {
  if (answered.has(socket)) return;
  answered.add(socket);
  const answer = (): void => {
    const inFlight = (socket as { _httpMessage?: ServerResponse | null })._httpMessage ?? undefined;
    if (inFlight && inFlight.req?.complete && !inFlight.writableFinished) {
      // Node hands the socket to the next pipelined answer when this one finishes (its own
      // 'finish' listener, which runs first); look again after.
      inFlight.once('finish', () => setImmediate(answer));
      return;
    }
    if (!socket.writable || inFlight?.headersSent) {
      socket.destroy();
      return;
    }
    socket.end(rawResponse(failure));
    const linger = setTimeout(() => socket.destroy(), LINGER_MS);
    linger.unref();
    socket.once('close', () => clearTimeout(linger));
  };
  answer();
}

/** Answers a refusal through Node's response, closing the connection: the body was not read. */
function answerOnResponse(res: ServerResponse, failure: OperationOutcomeError): void {
  const body = JSON.stringify(failure.outcome);
  res.writeHead(failure.status, {
    'Content-Type': FHIR_JSON,
    'Content-Length': Buffer.byteLength(body),
    'Cache-Control': 'no-store',
    Connection: 'close',
  });
  res.end(body);
}

/**
 * Installs the refusals on `server`. `bodyLimit` gives the largest body any route reads
 * (MAX_BODY_SIZE), once the app is known (server.ts, `serveApp`); before, every `100-continue` is
 * granted and the body reader refuses an oversized body when it reads it. `audit` records each
 * refusal, once the app has given one.
 */
export function refuseMalformedRequests(server: Server, bodyLimit: () => number | undefined, audit: () => RefusalAudit | undefined): void {
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => {
    // The client went away: there is no one to answer.
    if (err.code === 'ECONNRESET' || err.code === 'EPIPE') {
      socket.destroy();
      return;
    }
    // The parser reports each further packet of a connection in error again: recorded once, as answered.
    if (answered.has(socket)) return;
    const failure = clientErrorFailure(err.code);
    answerOnSocket(socket, failure);
    // What the parser could not read is no request: nothing of it but the answer and the address.
    // A connection that sent nothing before `headersTimeout` (a browser's unused preconnect) asked
    // for nothing, and is not recorded.
    const { bytesRead, remoteAddress } = socket as Socket;
    if (bytesRead > 0) audit()?.({ failure, ip: remoteAddress });
  });
  // Without a listener Node closes a CONNECT's connection without a word.
  server.on('connect', (req: IncomingMessage, socket: Duplex) => {
    const failure = connectFailure();
    answerOnSocket(socket, failure);
    audit()?.({ failure, ...parsedRequest(req) });
  });
  // Without a listener Node answers 417 with an empty body.
  server.on('checkExpectation', (req: IncomingMessage, res: ServerResponse) => {
    const failure = expectationFailure();
    answerOnResponse(res, failure);
    audit()?.({ failure, ...parsedRequest(req) });
  });
  // `Expect: 100-continue` asks whether to send the body: a body declared over the limit is refused
  // at once, before the client sends (and the server reads) megabytes only to refuse them. Without
  // a listener Node grants every one. Granted, the request goes on as any other.
  server.on('checkContinue', (req: IncomingMessage, res: ServerResponse) => {
    const limit = bodyLimit();
    const declared = Number(req.headers['content-length']);
    if (limit !== undefined && Number.isFinite(declared) && declared > limit) {
      const failure = tooLarge(limit);
      answerOnResponse(res, failure);
      audit()?.({ failure, ...parsedRequest(req) });
      return;
    }
    res.writeContinue();
    server.emit('request', req, res);
  });
}

function failure(status: number, code: 'invalid' | 'not-supported' | 'too-long' | 'timeout', vi: string, en: string): OperationOutcomeError {
  return new OperationOutcomeError(outcome('error', code, bilingual(vi, en)), status);
}
