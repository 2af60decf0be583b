import { createServer, type RequestListener, type Server } from 'node:http';

/**
 * The HTTP server the service runs on, with the settings production needs; the tests start the
 * same server, so what they exercise is what runs.
 */
export function createHttpServer(app?: RequestListener): Server {
  // Long search URLs (many _id values) need more than Node's default 16 KB of headers.
  const server = createServer({ maxHeaderSize: 64 * 1024 }, app);
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
