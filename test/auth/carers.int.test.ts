import { fhirFetch, startTestServer, type TestServer } from '../helpers/server';
import { authorizationRequest, carerLaunch, launch, pkcePair, postAuthorize, registerPublicApp, residentWithAccount, signInTicketOf, tokenRequest } from './smart-helpers';

/**
 * Carers (docs/security.md "Carers"): staff link an enrolled resident to a dependant they care for;
 * at sign-in the carer chooses whose record the app opens, and a token for the dependant reaches
 * the dependant's record only, acting as the RelatedPerson that stands for the carer there. Ending
 * the link, or withdrawing either consent, stops those tokens at once.
 */

let server: TestServer;
let app: string;
let registrar: string;
beforeAll(async () => {
  server = await startTestServer();
  app = await registerPublicApp(server, 'launch/patient openid fhirUser offline_access patient/*.cruds');
  registrar = await server.staffToken(['registrar']);
}, 180_000);
afterAll(() => server?.close());

const claimsOf = (jwt: string): Record<string, any> => JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString());
const staff = (method: string, path: string, body?: unknown) =>
  fetch(`${server.origin}${path}`, {
    method,
    headers: { 'content-type': 'application/json', authorization: `Bearer ${registrar}` },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
const link = (carer: string, dependant: string, relationship = 'MTH') => staff('POST', `/auth/residents/${carer}/dependants`, { dependant: `Patient/${dependant}`, relationship });
const unlink = (carer: string, dependant: string) => staff('DELETE', `/auth/residents/${carer}/dependants/${dependant}`);
const newChild = async (given: string): Promise<string> => {
  const child = { resourceType: 'Patient', name: [{ text: `Lê Minh ${given}`, family: 'Lê', given: ['Minh', given] }], gender: 'male', birthDate: '2024-03-09' };
  return (await fhirFetch(`${server.baseUrl}/Patient`, { method: 'POST', body: child })).body.id;
};
const weight = (patientId: string) => ({
  resourceType: 'Observation',
  status: 'final',
  category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'vital-signs' }] }],
  code: { coding: [{ system: 'http://loinc.org', code: '29463-7', display: 'Body weight' }] },
  subject: { reference: `Patient/${patientId}` },
  effectiveDateTime: '2026-11-02',
  valueQuantity: { value: 11.2, unit: 'kg', system: 'http://unitsofmeasure.org', code: 'kg' },
});
/** A mother enrolled for the app, linked to her child; both ids and her credentials. */
const motherAndChild = async (family: string) => {
  const mother = await residentWithAccount(server, family);
  const child = await newChild(family.slice(0, 3));
  const linked = await link(mother.patientId, child);
  expect(linked.status).toBe(201);
  return { mother, child, linked: await linked.json() };
};

test('staff link a carer to a dependant: a RelatedPerson in the child’s record and the child’s Consent, given by the carer', async () => {
  const { mother, child, linked } = await motherAndChild('Hà');
  expect(linked).toMatchObject({ carer: `Patient/${mother.patientId}`, dependant: `Patient/${child}` });
  const related = (await fhirFetch(`${server.baseUrl}/${linked.relatedPerson}`)).body;
  expect(related).toMatchObject({ resourceType: 'RelatedPerson', active: true, patient: { reference: `Patient/${child}` }, gender: 'female' });
  expect(related.relationship[0].coding[0]).toMatchObject({ system: 'http://terminology.hl7.org/CodeSystem/v3-RoleCode', code: 'MTH' });
  expect(related.name[0].family).toBe('Hà');
  const consent = (await fhirFetch(`${server.baseUrl}/Consent/${linked.consentId}`)).body;
  expect(consent).toMatchObject({ status: 'active', patient: { reference: `Patient/${child}` }, performer: [{ reference: linked.relatedPerson }] });

  // Linking the pair again keeps the one link, RelatedPerson and Consent.
  const again = await link(mother.patientId, child);
  expect(again.status).toBe(200);
  expect(await again.json()).toMatchObject({ relatedPerson: linked.relatedPerson, consentId: linked.consentId });
  const relatedPersons = (await fhirFetch(`${server.baseUrl}/RelatedPerson?patient=Patient/${child}`)).body;
  expect(relatedPersons.entry).toHaveLength(1);

  // Staff see her dependants (the enrolment page): name, birth date, relationship — a read of the child's record, audited.
  const since = new Date().toISOString();
  const listed = await staff('GET', `/auth/residents/${mother.patientId}/dependants`);
  expect(listed.status).toBe(200);
  expect(listed.headers.get('cache-control')).toBe('no-store');
  const reads = await fhirFetch(`${server.baseUrl}/AuditEvent?patient=Patient/${child}&subtype=read&date=ge${since}`, { token: await server.staffToken(['auditor']) });
  const readWhat = reads.body.entry.flatMap((e: any) => e.resource.entity.map((x: any) => x.what.reference.split('/_history')[0]));
  expect(readWhat).toEqual(expect.arrayContaining([`Patient/${child}`, linked.relatedPerson]));
  // As the registrar's reads, not the server's.
  expect(new Set(reads.body.entry.map((e: any) => e.resource.agent[0].role[0].coding[0].code))).toEqual(new Set(['registrar']));
  expect(await listed.json()).toEqual({
    dependants: [{ dependant: `Patient/${child}`, relatedPerson: linked.relatedPerson, relationship: 'MTH', name: 'Lê Minh Hà', birthDate: '2024-03-09' }],
  });
});

test('a link that cannot be is refused with an OperationOutcome and leaves nothing behind', async () => {
  const mother = await residentWithAccount(server, 'Vi');
  const child = await newChild('Vi');
  const notEnrolled = await newChild('Không');
  const wrongRole = await link(mother.patientId, child, 'NEIGHBOR');
  expect(wrongRole.status).toBe(400);
  expect(JSON.stringify(await wrongRole.json())).toMatch(/Quan hệ.*MTH.*relationship must be one of/s);
  expect((await link(mother.patientId, mother.patientId)).status).toBe(400);
  const carerNotEnrolled = await link(notEnrolled, child);
  expect(carerNotEnrolled.status).toBe(409);
  expect(JSON.stringify(await carerNotEnrolled.json())).toMatch(/chưa đăng ký.*not enrolled/s);
  expect((await link(mother.patientId, 'no-such-patient')).status).toBe(404);
  expect((await fhirFetch(`${server.baseUrl}/RelatedPerson?patient=Patient/${child}`)).body.entry ?? []).toEqual([]);
  expect((await fhirFetch(`${server.baseUrl}/Consent?patient=Patient/${child}`)).body.entry ?? []).toEqual([]);
  // Only staff who register residents link carers: a resident's own app cannot.
  const own = await launch(server, app, mother);
  const byApp = await fetch(`${server.origin}/auth/residents/${mother.patientId}/dependants`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${own.access_token}` },
    body: JSON.stringify({ dependant: `Patient/${child}`, relationship: 'MTH' }),
  });
  expect(byApp.status).toBe(403);
});

test('the RelatedPerson carries the carer’s CCCD when she has one (added by linking again when it lacks it), by which the A2.1 register finds her own record', async () => {
  const mother = await residentWithAccount(server, 'Đặng');
  const own = (await fhirFetch(`${server.baseUrl}/Patient/${mother.patientId}`)).body;
  const cccd = { type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0203', code: 'NI' }] }, system: 'http://fhir.ehealth.gov.vn/core/sid/national_id', value: '038190012345' };
  expect((await fhirFetch(`${server.baseUrl}/Patient/${mother.patientId}`, { method: 'PUT', body: { ...own, identifier: [cccd] } })).status).toBe(200);
  const child = await newChild('Đặng');
  const linked = await (await link(mother.patientId, child)).json();
  const related = (await fhirFetch(`${server.baseUrl}/${linked.relatedPerson}`)).body;
  expect(related.identifier).toEqual([cccd]);

  // A link made before carers carried it: linking the pair again gives the RelatedPerson her CCCD, once.
  const { identifier, ...older } = related;
  expect((await fhirFetch(`${server.baseUrl}/${linked.relatedPerson}`, { method: 'PUT', body: older })).status).toBe(200);
  expect((await link(mother.patientId, child)).status).toBe(200);
  expect((await fhirFetch(`${server.baseUrl}/${linked.relatedPerson}`)).body.identifier).toEqual([cccd]);
  expect((await link(mother.patientId, child)).status).toBe(200);
  expect((await fhirFetch(`${server.baseUrl}/${linked.relatedPerson}/_history`)).body.entry).toHaveLength(3);
});

test('a carer chooses whose record the app opens; a token for the child reaches the child’s record only, as the carer’s RelatedPerson', async () => {
  const { mother, child, linked } = await motherAndChild('Đinh');
  expect((await fhirFetch(`${server.baseUrl}/Observation`, { method: 'POST', body: weight(child) })).status).toBe(201);
  expect((await fhirFetch(`${server.baseUrl}/Observation`, { method: 'POST', body: weight(mother.patientId) })).status).toBe(201);

  // After the password, the page offers her own record and her child's, by name and birth date.
  const page = await postAuthorize(server, { ...authorizationRequest(server, app), username: mother.username, password: mother.password });
  expect(page.status).toBe(200);
  const html = await page.text();
  expect(html).toContain('Mở hồ sơ của ai?');
  expect(html).toContain('Lê Minh Đin, sinh ngày 09/03/2024');
  expect(html).toContain('Hồ sơ của tôi');

  const tokens = await carerLaunch(server, app, mother, child, 'launch/patient openid fhirUser offline_access patient/*.cruds');
  expect(tokens.patient).toBe(child);
  expect(claimsOf(tokens.access_token)).toMatchObject({ patient: child, fhirUser: linked.relatedPerson, kind: 'resident' });
  expect(claimsOf(tokens.id_token)).toMatchObject({ fhirUser: linked.relatedPerson });
  const childWeights = await fhirFetch(`${server.baseUrl}/Observation?patient=Patient/${child}`, { token: tokens.access_token });
  expect(childWeights.status).toBe(200);
  expect(childWeights.body.entry).toHaveLength(1);
  expect((await fhirFetch(`${server.baseUrl}/Patient/${mother.patientId}`, { token: tokens.access_token })).status).toBe(404);
  const mothers = await fhirFetch(`${server.baseUrl}/Observation?patient=Patient/${mother.patientId}`, { token: tokens.access_token });
  expect(mothers.body.entry ?? []).toEqual([]);
  // A reading she uploads for the child is the child's; the audit trail names her RelatedPerson as who did it.
  const upload = await fhirFetch(`${server.baseUrl}/Observation`, { method: 'POST', body: weight(child), token: tokens.access_token });
  expect(upload.status).toBe(201);
  const audit = await fhirFetch(`${server.baseUrl}/AuditEvent?entity=Observation/${upload.body.id}`, { token: await server.staffToken(['auditor']) });
  expect(audit.body.entry.map((e: any) => e.resource.agent[0].who.reference)).toContain(linked.relatedPerson);

  // Refreshing keeps the child in context; choosing "self" opens her own record as before.
  const refreshed = await tokenRequest(server, { grant_type: 'refresh_token', refresh_token: tokens.refresh_token, client_id: app });
  expect(refreshed.status).toBe(200);
  expect(claimsOf(refreshed.body.access_token)).toMatchObject({ patient: child, fhirUser: linked.relatedPerson });
  const own = await carerLaunch(server, app, mother, 'self');
  expect(claimsOf(own.access_token)).toMatchObject({ patient: mother.patientId, fhirUser: `Patient/${mother.patientId}` });
});

test('a reading the carer took for the child may name her as performer — her own RelatedPerson, no other, and only where R4 takes one', async () => {
  const { mother, child, linked } = await motherAndChild('Khúc');
  const tokens = await carerLaunch(server, app, mother, child, 'launch/patient openid fhirUser offline_access patient/*.cruds');
  const post = (body: object, token = tokens.access_token) => fhirFetch(`${server.baseUrl}/${(body as { resourceType: string }).resourceType}`, { method: 'POST', body, token });
  const byHer = await post({ ...weight(child), performer: [{ reference: linked.relatedPerson }] });
  expect(byHer.status).toBe(201);
  expect(byHer.body.performer).toEqual([{ reference: linked.relatedPerson }]);
  // Another RelatedPerson of the child (one the father's link made, say) is not her.
  const father = await residentWithAccount(server, 'Khúc');
  const fathers = await (await link(father.patientId, child, 'FTH')).json();
  const asFather = await post({ ...weight(child), performer: [{ reference: fathers.relatedPerson }] });
  expect(asFather.status).toBe(403);
  expect(JSON.stringify(asFather.body)).toContain(`Observation.performer must be Patient/${child}, ${linked.relatedPerson} (or absent)`);
  // A field only a practitioner or organization fills stays closed to her.
  const document = { resourceType: 'DocumentReference', status: 'current', subject: { reference: `Patient/${child}` }, content: [{ attachment: { contentType: 'text/plain', data: 'Z2nhuqV5' } }] };
  expect((await post({ ...document, author: [{ reference: linked.relatedPerson }] })).status).toBe(201);
  expect((await post({ ...document, authenticator: { reference: linked.relatedPerson } })).status).toBe(403);
  // The mother's own token (her own record) is no carer: her RelatedPerson in the child's record is not hers to name there.
  const own = await carerLaunch(server, app, mother, 'self', 'launch/patient openid fhirUser offline_access patient/*.cruds');
  expect((await post({ ...weight(mother.patientId), performer: [{ reference: linked.relatedPerson }] }, own.access_token)).status).toBe(403);
  // What she wrote in her own name she may correct and withdraw; the father's app may not.
  const fatherTokens = await carerLaunch(server, app, father, child, 'launch/patient openid fhirUser offline_access patient/*.cruds');
  expect((await fhirFetch(`${server.baseUrl}/Observation/${byHer.body.id}`, { method: 'DELETE', token: fatherTokens.access_token })).status).toBe(403);
  expect((await fhirFetch(`${server.baseUrl}/Observation/${byHer.body.id}`, { method: 'DELETE', token: tokens.access_token })).status).toBe(200);
});

test('the choice is checked on the server: someone else’s record, a ticket for another request or a forged ticket is refused', async () => {
  const { mother } = await motherAndChild('Mạc');
  const stranger = await newChild('Lạ');
  const request = authorizationRequest(server, app);
  const page = await postAuthorize(server, { ...request, username: mother.username, password: mother.password });
  const ticket = signInTicketOf(await page.text());

  const forgedChoice = await postAuthorize(server, { ...request, sign_in_ticket: ticket, patient: stranger });
  expect(forgedChoice.status).toBe(400);
  expect(await forgedChoice.text()).toContain('Không mở được hồ sơ đã chọn');
  const otherRequest = await postAuthorize(server, { ...request, state: 'another-state', sign_in_ticket: ticket, patient: 'self' });
  expect(otherRequest.status).toBe(401);
  const forged = ticket.slice(0, -4) + (ticket.endsWith('AAAA') ? 'BBBB' : 'AAAA');
  expect((await postAuthorize(server, { ...request, sign_in_ticket: forged, patient: 'self' })).status).toBe(401);
  // A ticket is no access token.
  expect((await fhirFetch(`${server.baseUrl}/Patient/${mother.patientId}`, { token: ticket })).status).toBe(401);
});

test('ending the link stops the carer’s tokens for the child at once, refuses their refresh, and the page no longer offers the child', async () => {
  const { mother, child, linked } = await motherAndChild('Cù');
  const tokens = await carerLaunch(server, app, mother, child);
  expect((await fhirFetch(`${server.baseUrl}/Patient/${child}`, { token: tokens.access_token })).status).toBe(200);

  const ended = await unlink(mother.patientId, child);
  expect(ended.status).toBe(200);
  expect(await ended.json()).toEqual({ revokedGrants: 1 });
  expect((await fhirFetch(`${server.baseUrl}/Patient/${child}`, { token: tokens.access_token })).status).toBe(401);
  expect((await tokenRequest(server, { grant_type: 'refresh_token', refresh_token: tokens.refresh_token, client_id: app })).status).toBe(400);
  expect((await fhirFetch(`${server.baseUrl}/${linked.relatedPerson}`)).body.active).toBe(false);
  // She cares for nobody now: her sign-in goes straight to her own record.
  expect((await launch(server, app, mother)).patient).toBe(mother.patientId);
  expect((await unlink(mother.patientId, child)).status).toBe(404);
});

test('withdrawing the child’s consent stops the carer for the child; withdrawing her own stops her for both', async () => {
  const { mother, child } = await motherAndChild('Khúc');
  const forChild = await carerLaunch(server, app, mother, child);
  expect((await staff('POST', `/auth/residents/${child}/withdraw`)).status).toBe(200);
  expect((await fhirFetch(`${server.baseUrl}/Patient/${child}`, { token: forChild.access_token })).status).toBe(401);
  expect((await tokenRequest(server, { grant_type: 'refresh_token', refresh_token: forChild.refresh_token, client_id: app })).status).toBe(400);
  // The child is still offered, but no token is given while no consent is in force for them.
  const { verifier, challenge } = pkcePair();
  const request = authorizationRequest(server, app, { code_challenge: challenge });
  const page = await postAuthorize(server, { ...request, username: mother.username, password: mother.password });
  const chosen = await postAuthorize(server, { ...request, sign_in_ticket: signInTicketOf(await page.text()), patient: child });
  expect(chosen.status).toBe(302);
  const code = new URL(chosen.headers.get('location')!).searchParams.get('code')!;
  const refused = await tokenRequest(server, { grant_type: 'authorization_code', code, redirect_uri: request.redirect_uri, client_id: app, code_verifier: verifier });
  expect(refused).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });

  // Linking again records the carer's consent for the child anew: the app opens the child's record again.
  expect((await link(mother.patientId, child)).status).toBe(200);
  const again = await carerLaunch(server, app, mother, child);
  expect((await fhirFetch(`${server.baseUrl}/Patient/${child}`, { token: again.access_token })).status).toBe(200);

  expect((await staff('POST', `/auth/residents/${mother.patientId}/withdraw`)).status).toBe(200);
  expect((await fhirFetch(`${server.baseUrl}/Patient/${child}`, { token: again.access_token })).status).toBe(401);
});

test('a merge of the child’s record moves the link: the carer’s app follows it to the kept record', async () => {
  const { mother, child, linked } = await motherAndChild('Lục');
  const kept = await newChild('Lục');
  const tokens = await carerLaunch(server, app, mother, child);
  const merged = await fhirFetch(`${server.baseUrl}/Patient/$merge`, {
    method: 'POST',
    body: {
      resourceType: 'Parameters',
      parameter: [
        { name: 'source-patient', valueReference: { reference: `Patient/${child}` } },
        { name: 'target-patient', valueReference: { reference: `Patient/${kept}` } },
      ],
    },
  });
  expect(merged.status).toBe(200);
  const refreshed = await tokenRequest(server, { grant_type: 'refresh_token', refresh_token: tokens.refresh_token, client_id: app });
  expect(refreshed.status).toBe(200);
  expect(claimsOf(refreshed.body.access_token)).toMatchObject({ patient: kept, fhirUser: linked.relatedPerson });
  expect((await fhirFetch(`${server.baseUrl}/Patient/${kept}`, { token: refreshed.body.access_token })).status).toBe(200);
});
