import { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { closeHttpServer, createHttpServer } from '../../src/http/server';

// src/http/server.ts serveApp: requests and responses are born with the express app's prototypes,
// so express's per-request re-parenting (Object.setPrototypeOf) changes nothing.
describe('the HTTP server makes requests and responses with the app’s prototypes', () => {
  test('before express sees them, and they stay Node’s IncomingMessage and ServerResponse', async () => {
    const app = express();
    app.get('/', (req, res) => {
      res.json({ path: req.path, express: typeof res.json === 'function' });
    });
    const server = createHttpServer(app);
    const seen: boolean[] = [];
    // Runs before the app's listener: what the server made, untouched by express.
    server.prependListener('request', (req, res) => {
      seen.push(Object.getPrototypeOf(req) === app.request, Object.getPrototypeOf(res) === app.response, req instanceof IncomingMessage, res instanceof ServerResponse);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const res = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
      expect(await res.json()).toEqual({ path: '/', express: true });
      expect(seen).toEqual([true, true, true, true]);
    } finally {
      await closeHttpServer(server);
    }
  });
});
