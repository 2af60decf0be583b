import { Agent, get, type IncomingMessage } from 'node:http';
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
});
