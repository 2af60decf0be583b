import { Agent, get, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { closeHttpServer, createHttpServer } from '../../src/http/server';
import { startTestServer, type TestServer } from '../helpers/server';

// src/http/server.ts: an idle keep-alive connection outlives Node's 5 s default, so a client (a
// proxy, an app, a test on a loaded box) reusing it after a pause is not reset.
describe('keep-alive', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.close());

  test('a connection idle for 6 s is reused for the next request', async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const metadata = (): Promise<{ status?: number; reused: boolean }> =>
      new Promise((resolve, reject) => {
        const req = get(`${server.baseUrl}/metadata`, { agent }, (res: IncomingMessage) => {
          res.resume();
          res.on('end', () => resolve({ status: res.statusCode, reused: req.reusedSocket }));
        });
        req.on('error', reject);
      });
    try {
      expect(await metadata()).toEqual({ status: 200, reused: false });
      await new Promise((resolve) => setTimeout(resolve, 6_000));
      expect(await metadata()).toEqual({ status: 200, reused: true });
    } finally {
      agent.destroy();
    }
  }, 20_000);

  test('closing the server ends a connection whose request was running once it is answered, not 65 s later', async () => {
    const slow = createHttpServer((_req, res) => setTimeout(() => res.end('ok'), 300));
    await new Promise<void>((resolve) => slow.listen(0, '127.0.0.1', resolve));
    const agent = new Agent({ keepAlive: true });
    try {
      const answered = new Promise<string | undefined>((resolve, reject) => {
        get({ host: '127.0.0.1', port: (slow.address() as AddressInfo).port, agent }, (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode === 200 ? 'ok' : undefined));
        }).on('error', reject);
      });
      await new Promise((resolve) => setTimeout(resolve, 100));
      const started = Date.now();
      await closeHttpServer(slow);
      expect(await answered).toBe('ok');
      expect(Date.now() - started).toBeLessThan(5_000);
    } finally {
      agent.destroy();
    }
  }, 20_000);
});
