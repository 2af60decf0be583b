import type { AuditEvent } from '@medplum/fhirtypes';
import { fhirFetch, startTestServer, type TestServer } from '../helpers/server';

/**
 * Refused requests outside the FHIR API are in the audit trail as the caller's attempt, as the
 * FHIR API's are: an officer asking for the examination register (which names patients), a
 * request for the report without credentials, a clinician creating a staff account.
 */

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
}, 180_000);
afterAll(() => server?.close());

/** The refusals recorded so far, as their outcome descriptions. */
const refusals = async (): Promise<AuditEvent[]> => {
  const res = await fhirFetch(`${server.baseUrl}/AuditEvent?outcome=4&_count=100`, { token: await server.systemToken('system/AuditEvent.rs') });
  return (res.body.entry ?? []).map((e: { resource: AuditEvent }) => e.resource);
};
const describedAs = (events: AuditEvent[], text: string): AuditEvent | undefined => events.find((e) => e.outcomeDesc?.includes(text));

test('an officer refused the examination register leaves a record naming them and what they asked for', async () => {
  const officer = await server.staffToken(['officer']);
  const res = await fetch(`${server.origin}/station/registers/a1?from=2026-11-01&to=2026-12-03`, { headers: { authorization: `Bearer ${officer}` } });
  expect(res.status).toBe(403);
  const event = describedAs(await refusals(), '403 GET /station/registers/a1');
  expect(event).toBeDefined();
  expect(event!.agent[0].role?.flatMap((r) => r.coding ?? []).map((c) => c.code)).toContain('officer');
  expect(Buffer.from(event!.entity?.find((x) => x.query)?.query ?? '', 'base64').toString()).toBe('from=2026-11-01&to=2026-12-03');
});

test('a request without credentials, and a role refused an admin\'s action, are recorded too', async () => {
  expect((await fetch(`${server.origin}/reports/health-criterion?from=2025-01-01&to=2025-09-30`)).status).toBe(401);
  const clinician = await server.staffToken(['clinician']);
  const staff = await fetch(`${server.origin}/auth/staff`, {
    method: 'POST',
    headers: { authorization: `Bearer ${clinician}`, 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'x', password: 'long-enough-1', roles: ['admin'] }),
  });
  expect(staff.status).toBe(403);
  const events = await refusals();
  expect(describedAs(events, '401 GET /reports/health-criterion')?.agent[0].altId).toBe('anonymous');
  expect(describedAs(events, '403 POST /auth/staff')).toBeDefined();
});

test('a FHIR refusal is recorded once, by the FHIR routes', async () => {
  const officer = await server.staffToken(['officer']);
  expect((await fhirFetch(`${server.baseUrl}/Patient`, { token: officer })).status).toBe(403);
  expect((await refusals()).filter((e) => e.outcomeDesc?.includes('/fhir/Patient'))).toHaveLength(0);
  expect((await refusals()).filter((e) => e.outcomeDesc?.startsWith('403') && e.subtype?.some((s) => s.code === 'search-type'))).toHaveLength(1);
});
