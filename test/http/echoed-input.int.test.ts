import type { AuditEvent } from '@medplum/fhirtypes';
import { MAX_ECHOED } from '../../src/fhir/outcomes';
import { fhirFetch, startTestServer, type TestServer } from '../helpers/server';

// src/fhir/outcomes.ts `echoed`: an error text quotes at most MAX_ECHOED characters of what the
// request sent (docs/security.md, "Malformed requests"). Repeated whole, a 6,000-character search
// value came back four times in one answer, and whole in the audit trail's outcomeDesc.

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
}, 180_000);
afterAll(() => server?.close());

const LONG = `Nguyen Van An ${'x'.repeat(6_000)} tail-that-must-not-come-back`;
/** The first issue's diagnostics of an answer: an OperationOutcome, or a searchset's outcome entry. */
const diagnostics = (body: any): string =>
  (body?.resourceType === 'OperationOutcome' ? body : body?.entry?.find((e: any) => e.resource?.resourceType === 'OperationOutcome')?.resource)?.issue?.[0]?.diagnostics ?? '';

/** The refusal repeats the start of the input, cut with an ellipsis, and not the rest. */
function expectCut(text: string, input = LONG): void {
  expect(text).toContain(`${input.slice(0, MAX_ECHOED)}…`);
  expect(text).not.toContain('tail-that-must-not-come-back');
  expect(text.length).toBeLessThan(1_000);
}

test('a search value, a parameter’s name, a modifier, a type are quoted cut short; the parameter is still named', async () => {
  const value = encodeURIComponent(LONG);
  for (const path of [`/Patient?birthdate=${value}`, `/Patient?_count=${value}`, `/?_type=${value}`, `/Patient?name:${value}=a`, `/Observation?value-quantity=${value}`]) {
    const res = await fhirFetch(`${server.baseUrl}${path}`);
    expect(res.status).toBe(400);
    expectCut(diagnostics(res.body));
  }
  const date = await fhirFetch(`${server.baseUrl}/Patient?birthdate=${value}`);
  expect(diagnostics(date.body)).toContain('Invalid date: Nguyen Van An');
  // An unknown parameter is named in the searchset's warning, and in the 400 of handling=strict.
  const ignored = await fhirFetch(`${server.baseUrl}/Patient?${value}=1&fooo=1`);
  expect(ignored.status).toBe(200);
  expectCut(diagnostics(ignored.body));
  expect(diagnostics(ignored.body)).toContain('fooo (');
  const strict = await fhirFetch(`${server.baseUrl}/Patient?${value}=1`, { headers: { prefer: 'handling=strict' } });
  expect(strict.status).toBe(400);
  expectCut(diagnostics(strict.body));
  // A short one is quoted whole, as before.
  const short = await fhirFetch(`${server.baseUrl}/Patient?birthdate=hôm-qua`);
  expect(diagnostics(short.body)).toContain('Invalid date: hôm-qua');
});

test('headers, the path and a Bundle’s content are quoted cut short', async () => {
  const accept = await fhirFetch(`${server.baseUrl}/Patient`, { headers: { accept: LONG } });
  expect(accept.status).toBe(406);
  expectCut(diagnostics(accept.body));
  const type = await fhirFetch(`${server.baseUrl}/Patient`, { method: 'POST', body: '{}', headers: { 'content-type': `application/x-${LONG.replace(/ /g, '-')}` } });
  expect(type.status).toBe(415);
  expectCut(diagnostics(type.body), `application/x-${LONG.replace(/ /g, '-')}`.toLowerCase());
  const path = `Patient/a/${'b'.repeat(6_000)}`;
  const put = await fhirFetch(`${server.baseUrl}/${path}`, { method: 'PUT', body: { resourceType: 'Patient' } });
  expect([404, 405]).toContain(put.status);
  expect(diagnostics(put.body)).toContain(`${`/${path}`.slice(0, MAX_ECHOED)}…`);
  expect(diagnostics(put.body).length).toBeLessThan(1_000);
  const bundle = await fhirFetch(server.baseUrl, { method: 'POST', body: { resourceType: 'Bundle', type: LONG } });
  expect(bundle.status).toBe(400);
  expectCut(diagnostics(bundle.body));
});

test('the audit trail keeps no more of the input than the answer', async () => {
  await fhirFetch(`${server.baseUrl}/Patient?birthdate=${encodeURIComponent(`audit-${LONG}`)}`);
  await server.engine.repo.flushAudit();
  const audit = await fhirFetch(`${server.baseUrl}/AuditEvent?outcome=4&_count=100`, { token: await server.systemToken('system/AuditEvent.rs') });
  const recorded = (audit.body.entry ?? []).map((e: { resource: AuditEvent }) => e.resource.outcomeDesc ?? '').find((d: string) => d.includes('audit-Nguyen'));
  expect(recorded).toBeDefined();
  expect(recorded).toContain(`${`audit-${LONG}`.slice(0, MAX_ECHOED)}…`);
});
