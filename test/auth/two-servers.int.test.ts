import { fhirFetch, startTestServer, type TestServer } from '../helpers/server';

// Each server checks tokens with its own keys and accounts. Passport's global strategies were
// shared by every server in the process: the one started last replaced the others', which then
// refused their own tokens (401) — a hidden singleton that made test files order-dependent.
describe('two servers in one process', () => {
  let first: TestServer;
  let second: TestServer;
  beforeAll(async () => {
    first = await startTestServer();
    second = await startTestServer();
  });
  afterAll(async () => {
    await first.close();
    await second.close();
  });

  test('each accepts its own tokens and staff sign-ins, and refuses the other\'s tokens', async () => {
    for (const [server, other] of [
      [first, second],
      [second, first],
    ]) {
      expect((await fhirFetch(`${server.baseUrl}/Patient`, { token: server.token })).status).toBe(200);
      expect((await fhirFetch(`${server.baseUrl}/Patient`, { token: await server.staffToken(['clinician']) })).status).toBe(200);
      expect((await fhirFetch(`${server.baseUrl}/Patient`, { token: other.token })).status).toBe(401);
    }
  });
});
