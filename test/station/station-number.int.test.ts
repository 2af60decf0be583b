import type { Bundle, Patient } from '@medplum/fhirtypes';
import { VN_CORE } from '../../src/station/canonical';
import { loadStationConfig } from '../../src/station/config';
import { numberUnnumberedResidents } from '../../src/station/identifiers/number-backfill';
import { fhirFetch, startTestServer, type TestServer } from '../helpers/server';
import { residentWith } from './examples';

/**
 * A resident registered without a station number gets the next one, whichever way the
 * registration comes (a POST, ten at once, a transaction Bundle as the web app sends); a number the
 * seed or an import gives is kept and never drawn again; no two current residents hold one number.
 */

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({}, { stationRules: true });
}, 180_000);
afterAll(() => server?.close());

// Valid personal IDs for a woman born in 1985 (place 038, century/sex digit 1); the serial varies.
let serial = 500;
const person = (number?: string): Patient => {
  const p = residentWith(`03818500${String(serial++).padStart(4, '0')}`);
  if (number) p.identifier!.push({ system: VN_CORE.patientInternalId, value: number });
  return p;
};
const register = (p: Patient) => fhirFetch(`${server.baseUrl}/Patient`, { method: 'POST', body: p });
const numbersOf = (p: Patient): string[] => (p.identifier ?? []).filter((i) => i.system === VN_CORE.patientInternalId).map((i) => i.value!);
const serialOf = (number: string): number => {
  expect(number).toMatch(/^38999-[0-9]{6,}$/);
  return Number(number.slice('38999-'.length));
};

test('a resident registered without a number gets the station\'s next one, stored, searchable, and named as the station\'s', async () => {
  const first = await register(person());
  const second = await register(person());
  expect([first.status, second.status]).toEqual([201, 201]);
  const [a, b] = [numbersOf(first.body), numbersOf(second.body)];
  expect(a).toHaveLength(1);
  expect(serialOf(b[0])).toBeGreaterThan(serialOf(a[0]));
  expect(first.body.identifier.at(-1).assigner).toEqual({ display: 'Trạm Y tế xã Hà Sơn' });

  expect(numbersOf((await fhirFetch(`${server.baseUrl}/Patient/${first.body.id}`)).body)).toEqual(a);
  const found = await fhirFetch(`${server.baseUrl}/Patient?identifier=${encodeURIComponent(`${VN_CORE.patientInternalId}|${a[0]}`)}`);
  expect(found.body.entry.map((e: { resource: Patient }) => e.resource.id)).toEqual([first.body.id]);
});

test('ten registrations at once draw ten different numbers', async () => {
  const answers = await Promise.all(Array.from({ length: 10 }, () => register(person())));
  expect(answers.map((a) => a.status)).toEqual(Array(10).fill(201));
  const numbers = answers.flatMap((a) => numbersOf(a.body));
  expect(new Set(numbers).size).toBe(10);
});

test('a number the station gave before (an import) is kept, and the next registration draws after it', async () => {
  const latest = serialOf(numbersOf((await register(person())).body)[0]);
  const imported = `38999-${String(latest + 50).padStart(6, '0')}`;
  const kept = await register(person(imported));
  expect(kept.status).toBe(201);
  expect(numbersOf(kept.body)).toEqual([imported]);
  expect(serialOf(numbersOf((await register(person())).body)[0])).toBe(latest + 51);

  // Another facility's number is the resident's own business: kept, and the station still numbers nothing over it.
  const transferred = await register(person('27001-000900'));
  expect(numbersOf(transferred.body)).toEqual(['27001-000900']);
});

test('a second resident with a number already held is refused with 409, and nothing is written', async () => {
  const held = numbersOf((await register(person())).body)[0];
  const res = await register(person(held));
  expect(res.status).toBe(409);
  expect(res.body.issue[0].code).toBe('duplicate');
  expect(res.body.issue[0].details.text).toContain(`Số hồ sơ của trạm ${held} đã được đăng ký cho một người khác`);
  expect(res.body.issue[0].details.text).toContain(`Station patient number ${held} is already held by another Patient`);
  const holders = await fhirFetch(`${server.baseUrl}/Patient?identifier=${encodeURIComponent(`${VN_CORE.patientInternalId}|${held}`)}&_total=accurate`);
  expect(holders.body.total).toBe(1);
});

test('residents registered in a transaction Bundle (the web app\'s registration) are numbered; a failed Bundle numbers no one', async () => {
  const entries = (people: Patient[]): Bundle => ({
    resourceType: 'Bundle',
    type: 'transaction',
    entry: people.map((p, i) => ({ fullUrl: `urn:uuid:5e1f0a00-0000-4000-8000-00000000000${i}`, resource: p, request: { method: 'POST', url: 'Patient' } })),
  });
  const ok = await fhirFetch(server.baseUrl, { method: 'POST', body: entries([person(), person(), person()]) });
  expect(ok.status).toBe(200);
  const ids = ok.body.entry.map((e: { response: { location: string } }) => /Patient\/([^/]+)\/_history/.exec(e.response.location)![1]);
  const numbers = (await Promise.all(ids.map((id: string) => fhirFetch(`${server.baseUrl}/Patient/${id}`)))).flatMap((r) => numbersOf(r.body));
  expect(new Set(numbers).size).toBe(3);

  const before = (await fhirFetch(`${server.baseUrl}/Patient?_summary=count`)).body.total;
  const invalid = { ...person(), birthDate: 'not a date' };
  expect((await fhirFetch(server.baseUrl, { method: 'POST', body: entries([person(), invalid]) })).status).toBe(400);
  expect((await fhirFetch(`${server.baseUrl}/Patient?_summary=count`)).body.total).toBe(before);
});

test('a Patient that is not the station\'s resident (no resident profile) is not numbered', async () => {
  const res = await register({ resourceType: 'Patient', name: [{ family: 'Trần' }] });
  expect(res.status).toBe(201);
  expect(numbersOf(res.body)).toEqual([]);
});

test('an update keeps the resident\'s number and draws none', async () => {
  const created = (await register(person())).body as Patient;
  const updated = await fhirFetch(`${server.baseUrl}/Patient/${created.id}`, { method: 'PUT', body: { ...created, telecom: [{ system: 'phone', value: '0987654321' }] } });
  expect(updated.status).toBe(200);
  expect(numbersOf(updated.body)).toEqual(numbersOf(created));
  const next = serialOf(numbersOf((await register(person())).body)[0]);
  expect(next).toBe(serialOf(numbersOf(created)[0]) + 1);
});

test('npm run number-residents numbers the residents who have no number, through the write path and audited, and once only', async () => {
  // A resident whose number is gone: registered before the server numbered residents, or an update dropped it.
  const created = (await register(person())).body as Patient;
  const without = { ...created, identifier: created.identifier!.filter((i) => i.system !== VN_CORE.patientInternalId) };
  expect((await fhirFetch(`${server.baseUrl}/Patient/${created.id}`, { method: 'PUT', body: without })).status).toBe(200);
  const outsider = (await register({ resourceType: 'Patient', name: [{ family: 'Lê' }] })).body as Patient;

  const result = await numberUnnumberedResidents(server.engine.repo, loadStationConfig(), server.db, 2);
  expect(result).toEqual({ numbered: 1, changedMeanwhile: 0 });
  const after = (await fhirFetch(`${server.baseUrl}/Patient/${created.id}`)).body as Patient;
  expect(after.meta!.versionId).toBe('3');
  expect(serialOf(numbersOf(after)[0])).toBeGreaterThan(serialOf(numbersOf(created)[0]));
  expect(numbersOf((await fhirFetch(`${server.baseUrl}/Patient/${outsider.id}`)).body)).toEqual([]);
  const found = await fhirFetch(`${server.baseUrl}/Patient?identifier=${encodeURIComponent(`${VN_CORE.patientInternalId}|${numbersOf(after)[0]}`)}`);
  expect(found.body.entry.map((e: { resource: Patient }) => e.resource.id)).toEqual([created.id]);

  await server.engine.repo.flushAudit();
  const auditor = await server.staffToken(['auditor']);
  const events = (await fhirFetch(`${server.baseUrl}/AuditEvent?patient=Patient/${created.id}&_count=100`, { token: auditor })).body.entry.map((e: any) => e.resource);
  expect(events.filter((e: any) => e.agent[0].altId === 'number-residents' && e.action === 'U')).toHaveLength(1);

  expect(await numberUnnumberedResidents(server.engine.repo, loadStationConfig(), server.db)).toEqual({ numbered: 0, changedMeanwhile: 0 });
});

test('npm run number-residents leaves a resident edited by staff while it ran as the staff member wrote it, counts them, and numbers them on the next run', async () => {
  const created = (await register(person())).body as Patient;
  const without = { ...created, identifier: created.identifier!.filter((i) => i.system !== VN_CORE.patientInternalId) };
  const dropped = (await fhirFetch(`${server.baseUrl}/Patient/${created.id}`, { method: 'PUT', body: without })).body as Patient;

  // The staff member's edit lands between the backfill's read of the resident and its write: the
  // backfill draws the number (through `db`) after reading the page, so the edit is made then.
  const edited = { ...dropped, telecom: [{ system: 'phone' as const, value: '0912345678' }] };
  let editStatus: number | undefined;
  const editingDb = {
    query: async <T,>(sql: string, params?: readonly unknown[], name?: string): Promise<T[]> => {
      if (editStatus === undefined) editStatus = (await fhirFetch(`${server.baseUrl}/Patient/${created.id}`, { method: 'PUT', body: edited })).status;
      return server.db.query<T>(sql, params, name);
    },
  };
  expect(await numberUnnumberedResidents(server.engine.repo, loadStationConfig(), editingDb)).toEqual({ numbered: 0, changedMeanwhile: 1 });
  expect(editStatus).toBe(200);
  const kept = (await fhirFetch(`${server.baseUrl}/Patient/${created.id}`)).body as Patient;
  expect(kept.meta!.versionId).toBe('3');
  expect(kept.telecom).toEqual(edited.telecom);
  expect(numbersOf(kept)).toEqual([]);

  expect(await numberUnnumberedResidents(server.engine.repo, loadStationConfig(), server.db)).toEqual({ numbered: 1, changedMeanwhile: 0 });
  const numbered = (await fhirFetch(`${server.baseUrl}/Patient/${created.id}`)).body as Patient;
  expect(numbered.telecom).toEqual(edited.telecom);
  expect(numbersOf(numbered)).toHaveLength(1);
});
