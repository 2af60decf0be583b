import type { Bundle, Patient } from '@medplum/fhirtypes';
import { PatientNationalIdUnique1768000000000 } from '../../migrations/1768000000000-PatientNationalIdUnique';
import { VN_CORE } from '../../src/station/canonical';
import { fhirFetch, startTestServer, type TestServer } from '../helpers/server';
import { residentWith } from './examples';

/**
 * No two current Patients hold one personal ID (CCCD), whichever way they are written: one create,
 * creates sharing a group-commit statement, ten at once, an update or a patch taking a number, a
 * transaction Bundle. A deleted record frees its number; a record keeps its own through updates.
 */

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({}, { stationRules: true });
}, 180_000);
afterAll(() => server?.close());

// Valid for a woman born in 1985 (place 038, century/sex digit 1, year 85); the serial varies.
let serial = 100;
const nextCccd = (): string => `03818500${String(serial++).padStart(4, '0')}`;
const personWith = residentWith;
const post = (body: unknown) => fhirFetch(`${server.baseUrl}/${(body as { resourceType: string }).resourceType}`, { method: 'POST', body });
const holders = async (cccd: string): Promise<number> =>
  (await fhirFetch(`${server.baseUrl}/Patient?identifier=${encodeURIComponent(`${VN_CORE.nationalId}|${cccd}`)}&_total=accurate`)).body.total;
const cccdIndex = (p: Patient): number => p.identifier!.findIndex((i) => i.system === VN_CORE.nationalId);

const expectDuplicate = (res: { status: number; body: any }, cccd: string): void => {
  expect(res.status).toBe(409);
  const [issue] = res.body.issue;
  expect(issue.code).toBe('duplicate');
  expect(issue.details.text).toContain(`Số CCCD ${cccd} đã được đăng ký cho một người khác`);
  expect(issue.details.text).toContain(`Personal ID (CCCD) ${cccd} is already held by another Patient`);
};

test('a second Patient with a registered personal ID is refused with 409, naming the number and where it is', async () => {
  const cccd = nextCccd();
  expect((await post(personWith(cccd))).status).toBe(201);
  const second = personWith(cccd);
  const res = await post(second);
  expectDuplicate(res, cccd);
  expect(res.body.issue[0].expression).toEqual([`Patient.identifier[${cccdIndex(second)}]`]);
  expect(await holders(cccd)).toBe(1);
});

test('ten simultaneous registrations of one number leave exactly one Patient', async () => {
  const cccd = nextCccd();
  const answers = await Promise.all(Array.from({ length: 10 }, () => post(personWith(cccd))));
  expect(answers.map((a) => a.status).sort()).toEqual([201, ...Array(9).fill(409)]);
  expect(await holders(cccd)).toBe(1);
});

test('creates arriving together (one group-commit statement) all land except the one duplicate', async () => {
  const taken = nextCccd();
  expect((await post(personWith(taken))).status).toBe(201);
  const fresh = Array.from({ length: 15 }, nextCccd);
  const answers = await Promise.all([...fresh, taken].map((c) => post(personWith(c))));
  expect(answers.slice(0, 15).map((a) => a.status)).toEqual(Array(15).fill(201));
  expectDuplicate(answers[15], taken);
  for (const c of [...fresh, taken]) expect(await holders(c)).toBe(1);
});

test('an update keeps its own number; an update or patch taking another\'s is refused and writes nothing', async () => {
  const [mine, theirs] = [nextCccd(), nextCccd()];
  const a = (await post(personWith(mine))).body as Patient;
  expect((await post(personWith(theirs))).status).toBe(201);
  const renamed = { ...a, name: [{ ...a.name![0], given: ['Lan'] }] };
  const kept = await fhirFetch(`${server.baseUrl}/Patient/${a.id}`, { method: 'PUT', body: renamed });
  expect(kept.status).toBe(200);
  expect(kept.body.meta.versionId).toBe('2');

  expectDuplicate(await fhirFetch(`${server.baseUrl}/Patient/${a.id}`, { method: 'PUT', body: { ...kept.body, ...personWith(theirs), id: a.id } }), theirs);
  const patch = [{ op: 'replace', path: `/identifier/${cccdIndex(a)}/value`, value: theirs }];
  const patched = await fhirFetch(`${server.baseUrl}/Patient/${a.id}`, { method: 'PATCH', body: patch, headers: { 'content-type': 'application/json-patch+json' } });
  expectDuplicate(patched, theirs);
  const now = await fhirFetch(`${server.baseUrl}/Patient/${a.id}`);
  expect(now.body.meta.versionId).toBe('2');
  expect(await holders(mine)).toBe(1);
  expect(await holders(theirs)).toBe(1);
});

test('a deleted record frees its number', async () => {
  const cccd = nextCccd();
  const first = (await post(personWith(cccd))).body as Patient;
  expect((await fhirFetch(`${server.baseUrl}/Patient/${first.id}`, { method: 'DELETE' })).status).toBe(200);
  expect((await post(personWith(cccd))).status).toBe(201);
});

describe('on an engine told nothing of the station (plain R4, no station rules)', () => {
  let plain: TestServer;
  beforeAll(async () => {
    plain = await startTestServer();
  }, 180_000);
  afterAll(() => plain?.close());
  const bare = (cccd: string, twice = false): Patient => {
    const id = { system: VN_CORE.nationalId, value: cccd };
    return { resourceType: 'Patient', identifier: twice ? [id, id] : [id] };
  };

  test('a Patient listing its number twice is no clash with itself', async () => {
    expect((await fhirFetch(`${plain.baseUrl}/Patient`, { method: 'POST', body: bare(nextCccd(), true) })).status).toBe(201);
  });

  test('a second holder is still refused with 409, in general words', async () => {
    const cccd = nextCccd();
    expect((await fhirFetch(`${plain.baseUrl}/Patient`, { method: 'POST', body: bare(cccd) })).status).toBe(201);
    const res = await fhirFetch(`${plain.baseUrl}/Patient`, { method: 'POST', body: bare(cccd) });
    expect(res.status).toBe(409);
    expect(res.body.issue[0].code).toBe('duplicate');
    expect(res.body.issue[0].details.text).toBe('Một định danh của tài nguyên này đã có ở một tài nguyên khác / An identifier of this resource is already held by another resource');
  });
});

test('a transaction registering one number twice, or one already taken, is refused whole', async () => {
  const taken = nextCccd();
  expect((await post(personWith(taken))).status).toBe(201);
  const [twice, other] = [nextCccd(), nextCccd()];
  const bundle = (...cccds: string[]): Bundle => ({
    resourceType: 'Bundle',
    type: 'transaction',
    entry: cccds.map((c, i) => ({ fullUrl: `urn:uuid:00000000-0000-4000-8000-00000000000${i}`, resource: personWith(c), request: { method: 'POST', url: 'Patient' } })),
  });
  for (const [body, dup] of [[bundle(other, twice, twice), twice], [bundle(other, taken), taken]] as const) {
    const res = await fhirFetch(server.baseUrl, { method: 'POST', body });
    expect(res.status).toBe(409);
    expect(res.body.issue[0].code).toBe('duplicate');
    expect(res.body.issue[0].details.text).toContain(`Số CCCD ${dup} đã được đăng ký`);
    expect(await holders(other)).toBe(0);
    expect(await holders(dup)).toBe(dup === taken ? 1 : 0);
  }
});

test('the migration refuses a database already holding two Patients with one number, naming them', async () => {
  const migration = new PatientNationalIdUnique1768000000000();
  const q = { query: (sql: string) => server.db.query(sql) } as never;
  await migration.down(q);
  try {
    const cccd = nextCccd();
    const ids = [];
    for (let i = 0; i < 2; i++) ids.push(((await post(personWith(cccd))).body as Patient).id);
    await expect(migration.up(q)).rejects.toThrow(new RegExp(`must be merged or corrected.*Patient/(${ids[0]}|${ids[1]}), Patient/(${ids[0]}|${ids[1]})`));
    await fhirFetch(`${server.baseUrl}/Patient/${ids[1]}`, { method: 'DELETE' });
  } finally {
    await migration.up(q);
  }
});
