import type { Bundle, Observation, Patient, Resource } from '@medplum/fhirtypes';
import { CanonicalIndexText1768340000000 } from '../../migrations/1768340000000-CanonicalIndexText';
import { conditionLockKey } from '../../src/fhir/store/repository';
import { fhirFetch, startTestServer, type TestServer } from '../helpers/server';
import { matchIds, seed } from './helpers';

// Vietnamese letters with two marks ("ễ", "ộ", "ế") arrive precomposed (NFC) from some keyboards and
// decomposed (NFD: base letter + combining marks) from others. The same characters must search
// alike whichever way they were stored and whichever way the query types them: the default string
// search folds both away, `:exact` and tokens compare in NFC (src/fhir/search/normalize.ts
// canonicalText), and a conditional create's lock and condition do too.
const NFC = (text: string): string => text.normalize('NFC');
const NFD = (text: string): string => text.normalize('NFD');
const FORMS = [
  ['NFC', NFC],
  ['NFD', NFD],
] as const;

const VILLAGE_REGISTER = 'http://example.org/fhir/sid/so-ho-thon';
const LOCAL_CODES = 'http://example.org/fhir/CodeSystem/ma-tram';
const V2 = 'http://terminology.hl7.org/CodeSystem/v2-0203';

const FAMILY = 'Nguyễn';
const VILLAGE_ID = 'Thôn Đông Độ-17';
const LOCAL_CODE = 'huyết-áp-tâm-thu';

describe('composed and decomposed Vietnamese text search alike', () => {
  let server: TestServer;
  /** One Patient and one Observation written in each form: [NFC's, NFD's]. */
  let patients: Patient[];
  let observations: Observation[];
  const all = (): string[] => patients.map((p) => p.id!).sort();

  beforeAll(async () => {
    server = await startTestServer();
    const patient = (form: (t: string) => string, given: string, number: string): Patient => ({
      resourceType: 'Patient',
      name: [{ family: form(FAMILY), given: [form(given)] }],
      identifier: [{ system: VILLAGE_REGISTER, value: form(`${VILLAGE_ID}/${number}`), type: { coding: [{ system: V2, code: 'MR' }] } }],
    });
    patients = (await seed(server, [patient(NFC, 'Thị Thư', '1'), patient(NFD, 'Văn Độ', '1')])) as Patient[];
    // The two Patients hold the same identifier value, one composed, one decomposed.
    expect(patients[1].identifier![0].value).toBe(NFD(`${VILLAGE_ID}/1`));
    expect(patients[1].identifier![0].value).not.toBe(patients[0].identifier![0].value);
    const observation = (form: (t: string) => string, p: Patient): Observation => ({
      resourceType: 'Observation',
      status: 'final',
      code: { coding: [{ system: LOCAL_CODES, code: form(LOCAL_CODE) }] },
      subject: { reference: `Patient/${p.id}`, identifier: { system: VILLAGE_REGISTER, value: p.identifier![0].value } },
      valueQuantity: { value: 142, unit: 'mmHg', system: 'http://unitsofmeasure.org', code: 'mm[Hg]' },
    });
    observations = (await seed(server, [observation(NFC, patients[0]), observation(NFD, patients[1])])) as Observation[];
  });
  afterAll(() => server.close());

  const q = encodeURIComponent;

  test.each(FORMS)('the default string search folds a %s query and finds both forms', async (_, form) => {
    for (const text of [FAMILY, 'nguyễn', `${FAMILY} Thị`, 'Độ']) {
      const expected = text === `${FAMILY} Thị` ? [patients[0].id!] : text === 'Độ' ? [patients[1].id!] : all();
      expect(await matchIds(server, `Patient?name=${q(form(text))}`)).toEqual(expected);
    }
  });

  test.each(FORMS)(':exact with a %s value finds the name stored in either form', async (_, form) => {
    expect(await matchIds(server, `Patient?family:exact=${q(form(FAMILY))}`)).toEqual(all());
    expect(await matchIds(server, `Patient?name:exact=${q(form(FAMILY))}`)).toEqual(all());
    expect(await matchIds(server, `Patient?given:exact=${q(form('Văn Độ'))}`)).toEqual([patients[1].id]);
    expect(await matchIds(server, `Patient?name:exact=${q(form(`${FAMILY} Thị Thư`))}`)).toEqual([patients[0].id]);
  });

  test(':exact stays case- and accent-sensitive', async () => {
    for (const text of ['Nguyen', 'nguyễn', 'NGUYỄN', 'Nguyến']) {
      for (const [, form] of FORMS) expect(await matchIds(server, `Patient?family:exact=${q(form(text))}`)).toEqual([]);
    }
  });

  test.each(FORMS)('an identifier value typed %s finds both forms, with or without its system', async (_, form) => {
    const value = form(`${VILLAGE_ID}/1`);
    expect(await matchIds(server, `Patient?identifier=${q(value)}`)).toEqual(all());
    expect(await matchIds(server, `Patient?identifier=${q(`${VILLAGE_REGISTER}|${value}`)}`)).toEqual(all());
    expect(await matchIds(server, `Patient?identifier:of-type=${q(`${V2}|MR|${value}`)}`)).toEqual(all());
    expect(await matchIds(server, `Patient?identifier:not=${q(value)}`)).toEqual([]);
    expect(await matchIds(server, `Observation?subject:identifier=${q(`${VILLAGE_REGISTER}|${value}`)}`)).toEqual(observations.map((o) => o.id!).sort());
  });

  test.each(FORMS)('a local code typed %s finds both forms, alone, with its system and in a composite', async (_, form) => {
    const both = observations.map((o) => o.id!).sort();
    const code = form(LOCAL_CODE);
    expect(await matchIds(server, `Observation?code=${q(code)}`)).toEqual(both);
    expect(await matchIds(server, `Observation?code=${q(`${LOCAL_CODES}|${code}`)}`)).toEqual(both);
    expect(await matchIds(server, `Observation?code=${q(`${LOCAL_CODES}|${code}`)},other`)).toEqual(both);
    expect(await matchIds(server, `Observation?code-value-quantity=${q(`${LOCAL_CODES}|${code}`)}$gt140`)).toEqual(both);
    expect(await matchIds(server, `Observation?code-value-quantity=${q(code)}$lt140`)).toEqual([]);
  });

  test.each(FORMS)('a stored ValueSet listing the local code %s takes in both forms (:in, :not-in)', async (name, form) => {
    const id = `ma-tram-${name.toLowerCase()}`;
    const put = await fhirFetch(`${server.baseUrl}/ValueSet/${id}`, {
      method: 'PUT',
      body: { resourceType: 'ValueSet', id, url: `http://example.org/fhir/ValueSet/${id}`, status: 'active', compose: { include: [{ system: LOCAL_CODES, concept: [{ code: form(LOCAL_CODE) }] }] } },
    });
    expect(put.status).toBeLessThan(300);
    expect(await matchIds(server, `Observation?code:in=ValueSet/${id}`)).toEqual(observations.map((o) => o.id!).sort());
    expect(await matchIds(server, `Observation?code:not-in=ValueSet/${id}&_id=${observations.map((o) => o.id).join(',')}`)).toEqual([]);
  });

  test('migration 1768340000000 rewrites rows written before in NFC', async () => {
    const family = 'Trịnh';
    const village = 'Thôn Thượng-9';
    const code = 'mạch-nhanh';
    const [p] = (await seed(server, [{ resourceType: 'Patient', name: [{ family }], identifier: [{ system: VILLAGE_REGISTER, value: village }] }])) as Patient[];
    const [o] = (await seed(server, [
      { resourceType: 'Observation', status: 'final', code: { coding: [{ system: LOCAL_CODES, code }] }, subject: { reference: `Patient/${p.id}` }, valueQuantity: { value: 90 } },
    ])) as Observation[];
    // Their rows as a write before this kept text typed decomposed.
    await server.db.query(`UPDATE idx_string SET exact = normalize(exact, NFD) WHERE resource_id = $1`, [p.id]);
    await server.db.query(`UPDATE idx_token SET code = normalize(code, NFD) WHERE resource_id = ANY($1::text[])`, [[p.id, o.id]]);
    await server.db.query(`UPDATE idx_quantity SET param = normalize(param, NFD) WHERE resource_id = $1`, [o.id]);
    const searches: [string, string][] = [
      [`Patient?family:exact=${q(family)}`, p.id!],
      [`Patient?identifier=${q(`${VILLAGE_REGISTER}|${village}`)}`, p.id!],
      [`Observation?code=${q(`${LOCAL_CODES}|${code}`)}`, o.id!],
      [`Observation?code-value-quantity=${q(code)}$90`, o.id!],
    ];
    for (const [query] of searches) expect([query, await matchIds(server, query)]).toEqual([query, []]);

    const runner = { query: (sql: string, params?: unknown[]) => server.db.query(sql, params) } as never;
    await new CanonicalIndexText1768340000000().up(runner);
    for (const [query, id] of searches) expect([query, await matchIds(server, query)]).toEqual([query, [id]]);
    // Both forms of a query find them, and the NFC resources written earlier are still found.
    expect(await matchIds(server, `Patient?family:exact=${q(NFD(family))}`)).toEqual([p.id]);
    expect(await matchIds(server, `Patient?family:exact=${q(FAMILY)}`)).toEqual(all());
  });

  describe('conditional create', () => {
    const MRN = 'http://example.org/fhir/sid/so-benh-an';
    const withValue = (value: string): Patient => ({ resourceType: 'Patient', identifier: [{ system: MRN, value }], name: [{ family: 'Lê' }] });
    const count = async (value: string): Promise<number> =>
      (await fhirFetch(`${server.baseUrl}/Patient?identifier=${q(`${MRN}|${NFC(value)}`)}&_summary=count`)).body.total;

    test('one after the other, the second form finds the first form\'s resource', async () => {
      const value = 'Xóm Thượng-201';
      const ids: string[] = [];
      for (const form of [NFD, NFC]) {
        const res = await fhirFetch(`${server.baseUrl}/Patient`, {
          method: 'POST',
          body: withValue(form(value)),
          headers: { 'if-none-exist': `identifier=${q(`${MRN}|${form(value)}`)}` },
        });
        expect(res.status).toBe(ids.length ? 200 : 201);
        ids.push(res.body.id);
      }
      expect(ids[1]).toBe(ids[0]);
      expect(await count(value)).toBe(1);
    });

    test('ten simultaneous creates, half composed and half decomposed, leave one resource', async () => {
      const value = 'Xóm Thượng-202';
      const attempts = await Promise.all(
        Array.from({ length: 10 }, (_, i) => {
          const form = i % 2 ? NFD : NFC;
          return fhirFetch(`${server.baseUrl}/Patient`, {
            method: 'POST',
            body: withValue(form(value)),
            headers: { 'if-none-exist': `identifier=${q(`${MRN}|${form(value)}`)}` },
          });
        }),
      );
      const statuses = attempts.map((a) => a.status);
      expect(statuses.filter((s) => s === 201)).toHaveLength(1);
      expect(statuses.filter((s) => s === 200)).toHaveLength(9);
      expect(new Set(attempts.map((a) => a.body.id)).size).toBe(1);
      expect(await count(value)).toBe(1);
    });

    test('a decomposed condition waits on the lock its composed form holds', async () => {
      // The embedded database has one session: every request would wait on the open transaction.
      if (server.db.embedded) return;
      const value = 'Xóm Thượng-204';
      const criteria = (form: (t: string) => string): string => `identifier=${q(`${MRN}|${form(value)}`)}`;
      let settled = false;
      let pending: Promise<{ status: number }> | undefined;
      await server.db.transaction(async (tx) => {
        await tx.query('SELECT pg_advisory_xact_lock($1::bigint)', [conditionLockKey(server.config.stationId, 'Patient', criteria(NFC))]);
        pending = fhirFetch(`${server.baseUrl}/Patient`, { method: 'POST', body: withValue(NFD(value)), headers: { 'if-none-exist': criteria(NFD) } });
        void pending.then(() => (settled = true));
        await new Promise((resolve) => setTimeout(resolve, 500));
        expect(settled).toBe(false);
      });
      expect((await pending!).status).toBe(201);
      expect(await count(value)).toBe(1);
    });

    test('two entries of one transaction Bundle, one composed and one decomposed, create one resource', async () => {
      const value = 'Xóm Thượng-203';
      const entry = (form: (t: string) => string, n: number): NonNullable<Bundle['entry']>[number] => ({
        fullUrl: `urn:uuid:00000000-0000-4000-8000-00000000000${n}`,
        resource: withValue(form(value)) as Resource,
        request: { method: 'POST', url: 'Patient', ifNoneExist: `identifier=${q(`${MRN}|${form(value)}`)}` },
      });
      const res = await fhirFetch(server.baseUrl, { method: 'POST', body: { resourceType: 'Bundle', type: 'transaction', entry: [entry(NFC, 1), entry(NFD, 2)] } });
      expect(res.status).toBe(200);
      const statuses = (res.body as Bundle).entry!.map((e) => e.response!.status);
      expect(statuses[0]).toMatch(/^201/);
      expect(statuses[1]).toMatch(/^200/);
      const [first, second] = (res.body as Bundle).entry!.map((e) => e.response!.location!.split('/_history')[0]);
      expect(second).toBe(first);
      expect(await count(value)).toBe(1);
    });
  });
});
