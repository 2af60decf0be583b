import type { Bundle, Patient } from '@medplum/fhirtypes';
import { VN_CORE } from '../../src/station/canonical';
import { fhirFetch, startTestServer, type TestServer } from '../helpers/server';
import { resident } from './examples';

/**
 * One personal ID (CCCD), one resident: a second Patient with the same CCCD is refused (409,
 * Vietnamese then English, naming the number) whatever the write — create, update, a transaction
 * entry, ten at once — and a deleted Patient no longer holds it.
 */

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({}, { stationRules: true });
}, 60_000);
afterAll(() => server?.close());

/** The example resident (a woman born 1985) with personal ID `cccd` (0381850xxxxx). */
const withCccd = (cccd: string): Patient => {
  const p = structuredClone(resident);
  p.identifier = p.identifier!.map((i) => (i.system === VN_CORE.nationalId ? { ...i, value: cccd } : i));
  return p;
};
const post = (body: unknown) => fhirFetch(`${server.baseUrl}/Patient`, { method: 'POST', body });
const expectDuplicate = (res: { status: number; body: any }, cccd: string): void => {
  expect(res.status).toBe(409);
  expect(res.body.resourceType).toBe('OperationOutcome');
  const text: string = res.body.issue[0].details.text;
  expect(text).toMatch(new RegExp(`^Số định danh cá nhân \\(CCCD\\) ${cccd} đã được đăng ký cho một người khác.* / Personal ID \\(CCCD\\) ${cccd} is already registered`));
};

test('a second create with the same CCCD is 409; an update taking another\'s CCCD is 409; changing other fields is fine', async () => {
  const first = await post(withCccd('038185000001'));
  expect(first.status).toBe(201);
  expectDuplicate(await post(withCccd('038185000001')), '038185000001');
  const other = await post(withCccd('038185000002'));
  expect(other.status).toBe(201);
  const taking = { ...withCccd('038185000001'), id: other.body.id };
  expectDuplicate(await fhirFetch(`${server.baseUrl}/Patient/${other.body.id}`, { method: 'PUT', body: taking }), '038185000001');
  const renamed = { ...first.body, name: [{ text: 'Nguyễn Thị Hoa B', family: 'Nguyễn', given: ['Thị', 'Hoa B'] }] };
  expect((await fhirFetch(`${server.baseUrl}/Patient/${first.body.id}`, { method: 'PUT', body: renamed })).status).toBe(200);
});

test('ten parallel creates of one new CCCD: exactly one 201, nine 409', async () => {
  const answers = await Promise.all(Array.from({ length: 10 }, () => post(withCccd('038185009999'))));
  expect(answers.map((a) => a.status).sort()).toEqual([201, ...Array(9).fill(409)]);
  answers.filter((a) => a.status === 409).forEach((a) => expectDuplicate(a, '038185009999'));
  const found = await fhirFetch(`${server.baseUrl}/Patient?identifier=${encodeURIComponent(`${VN_CORE.nationalId}|038185009999`)}`);
  expect(found.body.entry).toHaveLength(1);
});

test('a transaction entry with a CCCD already held fails the whole transaction; so do two entries with one CCCD', async () => {
  expect((await post(withCccd('038185000003'))).status).toBe(201);
  const bundle = (...cccds: string[]): Bundle => ({
    resourceType: 'Bundle',
    type: 'transaction',
    entry: cccds.map((c) => ({ fullUrl: `urn:uuid:${crypto.randomUUID()}`, resource: withCccd(c), request: { method: 'POST', url: 'Patient' } })),
  });
  const held = await fhirFetch(server.baseUrl, { method: 'POST', body: bundle('038185000004', '038185000003') });
  expect(held.status).toBe(409);
  expect(JSON.stringify(held.body)).toContain('038185000003 đã được đăng ký');
  expect((await fhirFetch(`${server.baseUrl}/Patient?identifier=${encodeURIComponent(`${VN_CORE.nationalId}|038185000004`)}`)).body.entry ?? []).toHaveLength(0);
  expect((await fhirFetch(server.baseUrl, { method: 'POST', body: bundle('038185000005', '038185000005') })).status).toBe(409);
});

test('a deleted Patient does not hold its CCCD', async () => {
  const gone = await post(withCccd('038185000006'));
  expect((await fhirFetch(`${server.baseUrl}/Patient/${gone.body.id}`, { method: 'DELETE' })).status).toBeLessThan(300);
  expect((await post(withCccd('038185000006'))).status).toBe(201);
});
