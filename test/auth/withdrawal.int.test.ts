import { fhirFetch, startTestServer, type TestServer } from '../helpers/server';
import { launch, registerPublicApp, residentWithAccount } from './smart-helpers';

/**
 * Withdrawing a resident's consent (`POST /auth/residents/{id}/withdraw`) is one transaction: the
 * password and activation code cleared, the app grants revoked and every active Consent set
 * inactive, or none of it. Here the database refuses the Consent's new version (a trigger this
 * test installs in its throwaway database, standing for any failure of that write): the app keeps
 * working, the password still signs in, and the Consent is still in force — the record and the
 * resident's access agree. Without the trigger the same withdrawal goes through.
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

const withdraw = (patientId: string) =>
  fetch(`${server.origin}/auth/residents/${patientId}/withdraw`, { method: 'POST', headers: { authorization: `Bearer ${registrar}` } });
const consentStatuses = async (patientId: string): Promise<string[]> =>
  ((await fhirFetch(`${server.baseUrl}/Consent?patient=Patient/${patientId}`)).body.entry ?? []).map((e: any) => e.resource.status);

test('a withdrawal whose Consent cannot be written changes nothing: the app, the password and the Consent all stay as they were', async () => {
  const resident = await residentWithAccount(server, 'Hà');
  const tokens = await launch(server, app, resident);
  expect((await fhirFetch(`${server.baseUrl}/Patient/${resident.patientId}`, { token: tokens.access_token })).status).toBe(200);

  await server.db.query(`CREATE FUNCTION refuse_consent() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN IF NEW.resource_type = 'Consent' THEN RAISE EXCEPTION 'test: the Consent write fails'; END IF; RETURN NEW; END $$`);
  await server.db.query(`CREATE TRIGGER refuse_consent BEFORE INSERT OR UPDATE ON resource FOR EACH ROW EXECUTE FUNCTION refuse_consent()`);
  try {
    const failed = await withdraw(resident.patientId);
    expect(failed.status).toBeGreaterThanOrEqual(500);
    expect((await failed.json()).resourceType).toBe('OperationOutcome');
  } finally {
    await server.db.query(`DROP TRIGGER refuse_consent ON resource`);
    await server.db.query(`DROP FUNCTION refuse_consent()`);
  }

  expect((await fhirFetch(`${server.baseUrl}/Patient/${resident.patientId}`, { token: tokens.access_token })).status).toBe(200);
  expect(await consentStatuses(resident.patientId)).toEqual(['active']);
  const again = await launch(server, app, resident);
  expect(again.patient).toBe(resident.patientId);

  // The same withdrawal, the database willing: all of it at once.
  const done = await withdraw(resident.patientId);
  expect(done.status).toBe(200);
  expect(await done.json()).toEqual({ revokedGrants: 2 });
  expect((await fhirFetch(`${server.baseUrl}/Patient/${resident.patientId}`, { token: tokens.access_token })).status).toBe(401);
  expect((await fhirFetch(`${server.baseUrl}/Patient/${resident.patientId}`, { token: again.access_token })).status).toBe(401);
  expect(await consentStatuses(resident.patientId)).toEqual(['inactive']);
  await expect(launch(server, app, resident)).rejects.toThrow();
});

test("a Consent moved to another Patient by a plain edit stops the first resident's app at once, and says so in the audit trail", async () => {
  const since = new Date(Date.now() - 1000).toISOString();
  const first = await residentWithAccount(server, 'Vi');
  const tokens = await launch(server, app, first);
  expect((await fhirFetch(`${server.baseUrl}/Patient/${first.patientId}`, { token: tokens.access_token })).status).toBe(200);
  const other = (await fhirFetch(`${server.baseUrl}/Patient`, { method: 'POST', body: { resourceType: 'Patient', name: [{ family: 'Vi', given: ['Văn', 'Khác'] }] } })).body.id;

  const [consent] = (await fhirFetch(`${server.baseUrl}/Consent?patient=Patient/${first.patientId}&status=active`)).body.entry.map((e: any) => e.resource);
  const moved = await fhirFetch(`${server.baseUrl}/Consent/${consent.id}`, { method: 'PUT', body: { ...consent, patient: { reference: `Patient/${other}` } } });
  expect(moved.status).toBe(200);

  expect((await fhirFetch(`${server.baseUrl}/Patient/${first.patientId}`, { token: tokens.access_token })).status).toBe(401);
  await server.engine.repo.flushAudit();
  const auditor = await server.staffToken(['auditor']);
  const events = (await fhirFetch(`${server.baseUrl}/AuditEvent?date=ge${since}&_count=1000`, { token: auditor })).body.entry.map((e: any) => e.resource);
  expect(events.filter((e: any) => /app access revoked: Consent\/.*moved to another Patient/.test(e.outcomeDesc ?? ''))).toHaveLength(1);
});

test('a resident withdraws their own consent from their app: every token of theirs stops, the Consent is inactive, and staff cannot use that door', async () => {
  const since = new Date(Date.now() - 1000).toISOString();
  const resident = await residentWithAccount(server, 'Mùa');
  const phone = await launch(server, app, resident);
  const tablet = await launch(server, app, resident);
  const self = (token: string) => fetch(`${server.origin}/auth/me/withdraw`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });

  const byStaff = await self(registrar);
  expect(byStaff.status).toBe(403);
  expect(JSON.stringify(await byStaff.json())).toMatch(/Chỉ người dân rút lại đồng ý.*Only a resident withdraws/s);
  expect(await consentStatuses(resident.patientId)).toEqual(['active']);

  const [consent] = (await fhirFetch(`${server.baseUrl}/Consent?patient=Patient/${resident.patientId}`)).body.entry.map((e: any) => e.resource.id);
  const done = await self(phone.access_token);
  expect(done.status).toBe(200);
  expect(await done.json()).toEqual({ revokedGrants: 2 });
  for (const t of [phone, tablet]) expect((await fhirFetch(`${server.baseUrl}/Patient/${resident.patientId}`, { token: t.access_token })).status).toBe(401);
  expect(await consentStatuses(resident.patientId)).toEqual(['inactive']);
  await expect(launch(server, app, resident)).rejects.toThrow();
  expect((await self(phone.access_token)).status).toBe(401);

  // The Consent's new version is in the audit trail as the resident's own act.
  await server.engine.repo.flushAudit();
  const audit = (await fhirFetch(`${server.baseUrl}/AuditEvent?date=ge${since}&action=U&_count=1000`, { token: await server.staffToken(['auditor']) })).body;
  const consentUpdates = (audit.entry ?? []).map((e: any) => e.resource).filter((a: any) => a.entity?.some((x: any) => x.what?.reference?.startsWith(`Consent/${consent}/`)));
  expect(consentUpdates.map((a: any) => [a.agent[0].who.reference, a.agent[0].role[0].coding[0].code, a.outcome])).toEqual([[`Patient/${resident.patientId}`, 'resident', '0']]);
});
