import type { Parameters } from '@medplum/fhirtypes';
import { fhirFetch, startTestServer, type TestServer } from '../helpers/server';
import { launch, registerPublicApp, residentWithAccount, tokenRequest } from '../auth/smart-helpers';

/**
 * A resident's app follows a Patient/$merge: the account, its consent and its grants bound to the
 * retired Patient are bound to the kept one in the merge's transaction (and audited); an access
 * token naming the retired Patient is refused (401) and a refresh gives one naming the kept
 * Patient. docs/interactions/merge.md, docs/security.md.
 */

let server: TestServer;
let app: string;
beforeAll(async () => {
  server = await startTestServer();
  app = await registerPublicApp(server, 'launch/patient openid fhirUser offline_access patient/*.cruds');
}, 180_000);
afterAll(() => server?.close());

const claimsOf = (jwt: string): Record<string, any> => JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString());
const merge = (source: string, target: string, extra: Parameters['parameter'] = []) =>
  fhirFetch(`${server.baseUrl}/Patient/$merge`, {
    method: 'POST',
    body: {
      resourceType: 'Parameters',
      parameter: [
        { name: 'source-patient', valueReference: { reference: `Patient/${source}` } },
        { name: 'target-patient', valueReference: { reference: `Patient/${target}` } },
        ...extra,
      ],
    },
  });
const newPatient = async (family: string): Promise<string> =>
  (await fhirFetch(`${server.baseUrl}/Patient`, { method: 'POST', body: { resourceType: 'Patient', name: [{ family, given: ['Văn', 'Nam'] }], gender: 'male' } })).body.id;
const observation = (patientId: string, value: number) => ({
  resourceType: 'Observation',
  status: 'final',
  code: { coding: [{ system: 'http://loinc.org', code: '29463-7', display: 'Body weight' }] },
  subject: { reference: `Patient/${patientId}` },
  effectiveDateTime: '2026-11-02',
  valueQuantity: { value, unit: 'kg', system: 'http://unitsofmeasure.org', code: 'kg' },
});
const grantOf = async (grantId: string): Promise<{ patient_id: string; revoked_at: unknown }> =>
  (await server.db.query<{ patient_id: string; revoked_at: unknown }>(`SELECT patient_id, revoked_at FROM oauth_grant WHERE id = $1`, [grantId]))[0];

test('the app of a resident whose record was merged into another follows it to the kept record', async () => {
  const resident = await residentWithAccount(server, 'Hồ');
  const retired = resident.patientId;
  const kept = await newPatient('Hồ');
  const keptWeight = await fhirFetch(`${server.baseUrl}/Observation`, { method: 'POST', body: observation(kept, 61) });
  expect(keptWeight.status).toBe(201);
  const tokens = await launch(server, app, resident, 'launch/patient openid fhirUser offline_access patient/*.cruds');
  expect(tokens.patient).toBe(retired);
  // The token is in use before the merge (its grant is remembered live by the server).
  expect((await fhirFetch(`${server.baseUrl}/Patient/${retired}`, { token: tokens.access_token })).status).toBe(200);

  expect((await merge(retired, kept)).status).toBe(200);

  // The account, the grant and the Consent now name the kept record.
  const [account] = await server.db.query<{ patient_id: string }>(`SELECT patient_id FROM account WHERE username = $1`, [resident.username]);
  expect(account.patient_id).toBe(kept);
  expect(await grantOf(claimsOf(tokens.access_token).grant)).toMatchObject({ patient_id: kept, revoked_at: null });
  const consents = await fhirFetch(`${server.baseUrl}/Consent?patient=Patient/${kept}&status=active`);
  expect(consents.body.entry).toHaveLength(1);

  // A token naming the retired record is refused, in Vietnamese first, and tells the app to refresh.
  for (const [path, init] of [
    [`Observation?patient=Patient/${retired}`, {}],
    [`Patient/${retired}`, {}],
    ['Observation', { method: 'POST', body: observation(retired, 60) }],
  ] as const) {
    const refused = await fhirFetch(`${server.baseUrl}/${path}`, { ...init, token: tokens.access_token });
    expect(refused.status).toBe(401);
    expect(refused.headers.get('www-authenticate')).toContain('error="invalid_token"');
    expect(refused.body.resourceType).toBe('OperationOutcome');
    expect(refused.body.issue[0].details.text).toMatch(/^Hồ sơ .* đã được gộp.* \/ .*merged/);
  }

  // The refresh gives a token naming the kept record, and the app sees the whole chart there.
  const refreshed = await tokenRequest(server, { grant_type: 'refresh_token', refresh_token: tokens.refresh_token, client_id: app });
  expect(refreshed.status).toBe(200);
  expect(refreshed.body.patient).toBe(kept);
  expect(claimsOf(refreshed.body.access_token)).toMatchObject({ patient: kept, fhirUser: `Patient/${kept}` });
  const chart = await fhirFetch(`${server.baseUrl}/Observation?patient=Patient/${kept}`, { token: refreshed.body.access_token });
  expect(chart.status).toBe(200);
  expect(chart.body.entry.map((e: any) => e.resource.id)).toEqual([keptWeight.body.id]);
  const written = await fhirFetch(`${server.baseUrl}/Observation`, { method: 'POST', body: observation(kept, 62), token: refreshed.body.access_token });
  expect(written.status).toBe(201);
  // The app no longer writes to the retired record.
  const stale = await fhirFetch(`${server.baseUrl}/Observation`, { method: 'POST', body: observation(retired, 62), token: refreshed.body.access_token });
  expect(stale.status).toBe(403);

  // Signing in again lands on the kept record.
  expect((await launch(server, app, resident)).patient).toBe(kept);

  // The account change is in the audit trail, by the staff member who merged, naming both records.
  const events = await fhirFetch(`${server.baseUrl}/AuditEvent?patient=Patient/${kept}&_count=200`, { token: await server.systemToken('system/AuditEvent.rs') });
  const followed = events.body.entry.map((e: any) => e.resource).filter((e: any) => /app account/.test(e.outcomeDesc ?? ''));
  expect(followed).toHaveLength(1);
  expect(followed[0].outcome).toBe('0');
  expect(followed[0].agent[0].role[0].coding[0].code).toBe('clinician');
  expect(followed[0].entity.map((e: any) => e.what?.reference).sort()).toEqual([`Patient/${kept}`, `Patient/${retired}`].sort());
  expect(followed[0].outcomeDesc).toContain(`Patient/${retired} → Patient/${kept}`);
});

test('a preview moves no app account; a withdrawn consent stays withdrawn, and enrolling the kept record re-arms the same account', async () => {
  const resident = await residentWithAccount(server, 'Mai');
  const kept = await newPatient('Mai');
  const tokens = await launch(server, app, resident);
  expect((await merge(resident.patientId, kept, [{ name: 'preview', valueBoolean: true }])).status).toBe(200);
  expect((await fhirFetch(`${server.baseUrl}/Patient/${resident.patientId}`, { token: tokens.access_token })).status).toBe(200);
  const [before] = await server.db.query<{ patient_id: string }>(`SELECT patient_id FROM account WHERE username = $1`, [resident.username]);
  expect(before.patient_id).toBe(resident.patientId);

  const registrar = await server.staffToken(['registrar']);
  const staff = { 'content-type': 'application/json', authorization: `Bearer ${registrar}` };
  expect((await fetch(`${server.origin}/auth/residents/${resident.patientId}/withdraw`, { method: 'POST', headers: staff })).status).toBe(200);
  expect((await merge(resident.patientId, kept)).status).toBe(200);
  // Withdrawn before the merge: still no tokens after it.
  expect((await grantOf(claimsOf(tokens.access_token).grant)).revoked_at).not.toBeNull();
  expect((await tokenRequest(server, { grant_type: 'refresh_token', refresh_token: tokens.refresh_token, client_id: app })).status).toBe(400);
  await expect(launch(server, app, resident)).rejects.toThrow();

  // Enrolling the kept record again re-arms the resident's own account (not a second one).
  const enrol = await fetch(`${server.origin}/auth/residents`, { method: 'POST', headers: staff, body: JSON.stringify({ patient: `Patient/${kept}`, username: `other-${kept.slice(0, 8)}` }) });
  expect(enrol.status).toBe(201);
  const { activationCode, username } = (await enrol.json()) as { activationCode: string; username: string };
  expect(username).toBe(resident.username);
  const password = `${resident.password}-mới`;
  const activate = await fetch(`${server.origin}/auth/activate`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, code: activationCode, password }) });
  expect(activate.status).toBe(204);
  expect((await launch(server, app, { username, password })).patient).toBe(kept);
});
