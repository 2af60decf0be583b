import { fhirFetch, startTestServer, type TestServer } from '../helpers/server';
import { launch, registerPublicApp, residentWithAccount } from './smart-helpers';

/**
 * Enrolling a resident for the e-health app (`POST /auth/residents`) records their Consent and an
 * account with an activation code in one transaction, and a resident whose consent is in force
 * keeps that one Consent when staff enrol them again (a lost code, a new phone).
 */

let server: TestServer;
let app: string;
let registrar: string;
beforeAll(async () => {
  server = await startTestServer();
  app = await registerPublicApp(server);
  registrar = await server.staffToken(['registrar']);
}, 180_000);
afterAll(() => server?.close());

const enrol = (patientId: string, username: string) =>
  fetch(`${server.origin}/auth/residents`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${registrar}` },
    body: JSON.stringify({ patient: `Patient/${patientId}`, username }),
  });
const consents = async (patientId: string): Promise<any[]> =>
  ((await fhirFetch(`${server.baseUrl}/Consent?patient=Patient/${patientId}`)).body.entry ?? []).map((e: any) => e.resource);
const newResident = async (family: string): Promise<string> =>
  (await fhirFetch(`${server.baseUrl}/Patient`, { method: 'POST', body: { resourceType: 'Patient', name: [{ family, given: ['Văn', 'Nam'] }], gender: 'male' } })).body.id;

test('a username already taken is 409 and records no Consent for the resident', async () => {
  const taken = await residentWithAccount(server, 'Phan');
  const other = await newResident('Tạ');
  const res = await enrol(other, taken.username);
  expect(res.status).toBe(409);
  const body = await res.json();
  expect(body.resourceType).toBe('OperationOutcome');
  expect(JSON.stringify(body)).toMatch(/Tên đăng nhập đã được dùng.*Username is taken/s);
  expect(await consents(other)).toEqual([]);
});

test('enrolling a resident again while their consent is in force hands over a new code under the same Consent; the old code no longer works', async () => {
  const patientId = await newResident('Lò');
  const first = await enrol(patientId, `lo-nam-${Date.now()}`);
  expect(first.status).toBe(201);
  const { consentId, username, activationCode: oldCode } = await first.json();
  const second = await enrol(patientId, 'any-other-name');
  expect(second.status).toBe(201);
  const again = await second.json();
  expect(again).toMatchObject({ consentId, username });
  expect((await consents(patientId)).map((c) => [c.id, c.status])).toEqual([[consentId, 'active']]);

  const activate = (code: string, password: string) =>
    fetch(`${server.origin}/auth/activate`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, code, password }) });
  expect((await activate(oldCode, 'mật-khẩu-của-Nam-1')).status).toBe(400);
  expect((await activate(again.activationCode, 'mật-khẩu-của-Nam-1')).status).toBe(204);
  expect((await launch(server, app, { username, password: 'mật-khẩu-của-Nam-1' })).patient).toBe(patientId);

  // After a withdrawal, enrolling again records a new Consent: the withdrawn one stays as it was.
  expect((await fetch(`${server.origin}/auth/residents/${patientId}/withdraw`, { method: 'POST', headers: { authorization: `Bearer ${registrar}` } })).status).toBe(200);
  const third = await (await enrol(patientId, username)).json();
  expect(third.consentId).not.toBe(consentId);
  expect((await consents(patientId)).map((c) => c.status).sort()).toEqual(['active', 'inactive']);
});

test('five enrolments of one resident at once leave one Consent and one account; each answer names them', async () => {
  const patientId = await newResident('Hà');
  const answers = await Promise.all([1, 2, 3, 4, 5].map((n) => enrol(patientId, `ha-nam-${n}-${Date.now()}`)));
  expect(answers.map((a) => a.status)).toEqual([201, 201, 201, 201, 201]);
  const bodies = await Promise.all(answers.map((a) => a.json()));
  expect(new Set(bodies.map((b) => b.consentId)).size).toBe(1);
  expect(new Set(bodies.map((b) => b.username)).size).toBe(1);
  expect((await consents(patientId)).map((c) => c.status)).toEqual(['active']);
  const accounts = await server.db.query(`SELECT count(*)::int AS n FROM account WHERE patient_id = $1`, [patientId]);
  expect(accounts[0].n).toBe(1);
});
