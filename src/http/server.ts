import { createServer, IncomingMessage, ServerResponse, type RequestListener, type Server } from 'node:http';
import type { Socket } from 'node:net';
import type { Express } from 'express';
import { refuseMalformedRequests, refuseUnservedRequest, type RefusalAudit } from './client-errors';

/** The constructors a server makes its requests and responses with, to be given an app's prototypes. */
interface MessageClasses {
  Request: { prototype: object };
  Response: { prototype: object };
}

const messageClasses = new WeakMap<Server, MessageClasses>();

/** What the server refuses before the app reads a request (client-errors.ts), and who records those refusals. */
export interface ServerLimits {
  /** The largest request body any route reads (MAX_BODY_SIZE): a larger `Expect: 100-continue` is refused at once. */
  maxBodyBytes?: number;
  /** Records each of those refusals in the audit trail (refusal-audit.ts, `auditParserRefusals`). */
  auditRefusal?: RefusalAudit;
}

const serverLimits = new WeakMap<Server, ServerLimits>();

/**
 * The HTTP server the service runs on, with the settings production needs; the tests start the
 * same server, so what they exercise is what runs. The app may come later (`serveApp`): the
 * tests need the port before they can configure it.
 */
export function createHttpServer(app?: RequestListener, limits: ServerLimits = {}): Server {
  // Requests and responses are made by constructors of ours, so that `serveApp` can give them the
  // express app's prototypes from birth (see there).
  function Request(this: IncomingMessage, socket: Socket): void {
    IncomingMessage.call(this, socket);
  }
  Request.prototype = Object.create(IncomingMessage.prototype) as object;
  function Response(this: ServerResponse, req: IncomingMessage, options?: object): void {
    (ServerResponse as unknown as (this: ServerResponse, req: IncomingMessage, options?: object) => void).call(this, req, options);
  }
  Response.prototype = Object.create(ServerResponse.prototype) as object;
  const server = createServer({
    // Long search URLs (many _id values) need more than Node's default 16 KB of headers.
    maxHeaderSize: 64 * 1024,
    // Node answers an HTTP/1.1 request without Host with a bare 400; client-errors.ts answers it as every other refusal.
    requireHostHeader: false,
    IncomingMessage: Request as unknown as typeof IncomingMessage,
    ServerResponse: Response as unknown as typeof ServerResponse,
  });
  messageClasses.set(server, { Request, Response });
  serverLimits.set(server, { ...limits });
  // Node's own refusals (a malformed request line, headers too large, a timeout, CONNECT, an
  // unmet Expect) answer with an OperationOutcome like every other refusal.
  refuseMalformedRequests(
    server,
    () => serverLimits.get(server)?.maxBodyBytes,
    () => serverLimits.get(server)?.auditRefusal,
  );
  if (app) serveApp(server, app, limits);
  // Node closes an idle keep-alive connection after 5 s. A client (a reverse proxy with a 60 s
  // upstream keep-alive, or undici in an app or test) that sends its next request as the socket
  // closes gets ECONNRESET; a test waiting ~5 s between requests on a loaded CI box did. Idle
  // connections stay open longer than the clients', who then always close first; headers must
  // time out after the keep-alive (Node's documented order).
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  return server;
}

/**
 * Lets `app` answer the server's requests. An express app re-parents every request and response
 * onto its own prototypes (`Object.setPrototypeOf` in its init step); changing an object's
 * prototype on each request cost ~0.11 ms of the one JavaScript thread per request here, and
 * made property lookups slower everywhere after (V8 drops what it learnt of the objects' shapes).
 * Made with those prototypes already, the re-parenting changes nothing and V8 skips it. Measured
 * (2026-12-03, autocannon c=10 POSTing a Patient to a bare express app with our middleware):
 * 0.31 → 0.16 ms of server CPU per request. `limits` are those the app's routes enforce (see ServerLimits).
 */
export function serveApp(server: Server, app: RequestListener, limits: ServerLimits = {}): void {
  Object.assign(serverLimits.get(server) ?? {}, limits);
  const classes = messageClasses.get(server);
  const express = app as Partial<Pick<Express, 'request' | 'response'>>;
  if (classes && express.request && express.response) {
    classes.Request.prototype = express.request;
    classes.Response.prototype = express.response;
  }
  // A request Node's parser took that we do not serve (HTTP/2.0 written out, HTTP/0.9, HTTP/1.1 without Host) never reaches the app.
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    if (!refuseUnservedRequest(req, res, serverLimits.get(server)?.auditRefusal)) app(req, res);
  });
}

/**
 * Stops taking connections and resolves once every open one has ended. `close()` ends the idle
 * connections at once, but one whose request is still running would stay open for the whole
 * keep-alive (65 s) after its answer, holding up a restart: those are ended as they fall idle.
 */
export function closeHttpServer(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    const sweep = setInterval(() => server.closeIdleConnections(), 100);
    server.close((err) => {
      clearInterval(sweep);
      if (err) reject(err);
      else resolve();
    });
  });
}
