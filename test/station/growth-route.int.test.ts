import pino from 'pino';
import { errorHandler } from '../../src/http/errors';
import { HA_SON } from '../../src/station/config';
import { loadGrowthTables } from '../../src/station/growth/tables';
import { heightForAgeZ } from '../../src/station/growth/zscore';
import { stationRoutes } from '../../src/station/http/routes';
import { vitalSign } from '../../src/station/model/clinical';
import { residentResource } from '../../src/station/model/person';
import { serveRouter, startStationEngine, type StationEngine } from './helpers';
import { describeWithShared, REFERENCE_DIR } from './shared';

describeWithShared('recording a child\'s height computes the height-for-age z-score', () => {
  let s: StationEngine;
  let http: { url: string; close(): Promise<void> };
  let child: string;
  beforeAll(async () => {
    s = await startStationEngine();
    const patient = residentResource(HA_SON, { name: 'Lê Minh An', sex: 'male', birthDate: '2024-06-01', ethnicCode: '01', residences: [{ village: HA_SON.villages[0], type: 'thuong-tru', start: '2024-06-01' }] });
    child = `Patient/${(await s.engine.repo.create(patient)).resource.id}`;
    http = await serveRouter('/station', stationRoutes({ config: HA_SON, timeZone: 'Asia/Ho_Chi_Minh', repoFor: () => s.engine.repo }), errorHandler(pino({ level: 'silent' }), 1024));
  });
  afterAll(async () => {
    await http.close();
    await s.close();
  });
  const post = (body: unknown) => fetch(`${http.url}/growth`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

  test('length, weight and the WHO 2006 z-score are written together, the z-score derived from the length', async () => {
    const res = await post({ patient: child, when: '2025-06-01T08:00:00+07:00', heightCm: 70.5, weightKg: 8.4 });
    expect(res.status).toBe(201);
    const [length, weight, haz] = (await res.json()).entry.map((e: { resource: any }) => e.resource);
    expect(length.code.coding[0].code).toBe('8306-3');
    expect(weight.valueQuantity).toMatchObject({ value: 8.4, code: 'kg' });
    const expected = heightForAgeZ(loadGrowthTables([REFERENCE_DIR])!, 1, 365, 70.5, true)!.z;
    expect(haz.valueQuantity.value).toBe(expected);
    expect(expected).toBeLessThan(-2);
    expect(haz.interpretation[0].coding[0].code).toBe(expected < -3 ? 'stunting-severe' : 'stunting-moderate');
    expect(haz.derivedFrom).toEqual([{ reference: `Observation/${length.id}` }]);
    const found = await s.dispatch({ method: 'GET', path: 'Observation', query: [['code', 'http://commune-ehr.example/fhir/CodeSystem/child-growth|haz'], ['subject', child]] });
    expect((found.resource as { entry: unknown[] }).entry).toHaveLength(1);
  });

  test('a height written as a plain Observation (the visit form, an app) gets its z-score; a corrected height updates it', async () => {
    const hazOf = async (heightId: string): Promise<any[]> =>
      ((await s.dispatch({ method: 'GET', path: 'Observation', query: [['derived-from', `Observation/${heightId}`]] })).resource as { entry?: { resource: any }[] }).entry?.map((e) => e.resource) ?? [];
    const bundle = {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [{ fullUrl: 'urn:uuid:4b0c7c3e-0000-4000-8000-000000000001', request: { method: 'POST', url: 'Observation' }, resource: vitalSign(child, '2025-08-01T09:00:00+07:00', '8306-3', 0.72 * 100) }],
    };
    const tx = await s.dispatch({ method: 'POST', path: '', query: [], body: bundle });
    expect(tx.status).toBe(200);
    const heightId = /Observation\/([^/]+)/.exec((tx.resource as { entry: { response: { location: string } }[] }).entry[0].response.location)![1];
    const [first] = await hazOf(heightId);
    expect(first.valueQuantity.value).toBe(heightForAgeZ(loadGrowthTables([REFERENCE_DIR])!, 1, 426, 72, true)!.z);
    // Corrected: the same z-score Observation, updated.
    const height = (await s.engine.repo.read('Observation', heightId)) as any;
    await s.engine.repo.update('Observation', heightId, { ...height, valueQuantity: { ...height.valueQuantity, value: 80 } });
    const after = await hazOf(heightId);
    expect(after).toHaveLength(1);
    expect(after[0].id).toBe(first.id);
    expect(after[0].valueQuantity.value).toBe(heightForAgeZ(loadGrowthTables([REFERENCE_DIR])!, 1, 426, 80, true)!.z);
    // An adult's height gets no z-score (beyond the WHO references).
    const adult = await s.engine.repo.create(residentResource(HA_SON, { name: 'Lê Văn Bình', sex: 'male', birthDate: '1960-01-01', ethnicCode: '01', residences: [{ village: HA_SON.villages[0], type: 'thuong-tru', start: '1960-01-01' }] }));
    const tall = await s.engine.repo.create(vitalSign(`Patient/${adult.resource.id}`, '2025-08-01T09:00:00+07:00', '8302-2', 170));
    expect(await hazOf(tall.resource.id!)).toEqual([]);
  });

  test('a height marked entered-in-error or deleted takes its z-score with it, also in a transaction Bundle', async () => {
    const hazOf = async (heightId: string): Promise<any[]> =>
      ((await s.dispatch({ method: 'GET', path: 'Observation', query: [['derived-from', `Observation/${heightId}`]] })).resource as { entry?: { resource: any }[] }).entry?.map((e) => e.resource) ?? [];
    const measured = async (cm: number): Promise<any> => {
      const height = (await s.engine.repo.create(vitalSign(child, '2025-09-01T09:00:00+07:00', '8306-3', cm))).resource;
      expect(await hazOf(height.id!)).toHaveLength(1);
      return height;
    };
    // Entered in error: no longer a recorded height, so no z-score to count the child as stunted.
    const wrong = await measured(60);
    await s.engine.repo.update('Observation', wrong.id, { ...wrong, status: 'entered-in-error' });
    expect(await hazOf(wrong.id)).toEqual([]);
    // Deleted through REST.
    const deleted = await measured(61);
    expect((await s.dispatch({ method: 'DELETE', path: `Observation/${deleted.id}`, query: [] })).status).toBeLessThan(300);
    expect(await hazOf(deleted.id)).toEqual([]);
    // Deleted by a transaction Bundle that then fails: the height and its z-score both stay.
    const kept = await measured(62);
    const failing = {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        { request: { method: 'DELETE', url: `Observation/${kept.id}` } },
        { request: { method: 'POST', url: 'Observation' }, resource: { resourceType: 'Observation', status: 'không-hợp-lệ', code: { text: 'x' } } },
      ],
    };
    await expect(s.dispatch({ method: 'POST', path: '', query: [], body: failing })).rejects.toMatchObject({ status: 400 });
    expect((await s.engine.repo.read('Observation', kept.id)).id).toBe(kept.id);
    expect(await hazOf(kept.id)).toHaveLength(1);
    // …and by one that succeeds: both go.
    const succeeding = { ...failing, entry: [failing.entry[0]] };
    expect((await s.dispatch({ method: 'POST', path: '', query: [], body: succeeding })).status).toBe(200);
    expect(await hazOf(kept.id)).toEqual([]);
  });

  test('bad input is a 400 in Vietnamese; an unknown child a 404; nothing is half-written', async () => {
    const bad = await post({ patient: child, when: '2025-06-01', heightCm: -3 });
    expect(bad.status).toBe(400);
    expect((await bad.json()).issue[0].diagnostics).toContain('Chiều cao (heightCm) phải là số dương');
    expect((await post({ patient: 'Patient/khong-co', when: '2025-06-01', heightCm: 70 })).status).toBe(404);
    expect((await post(undefined)).status).toBe(400);
    // The weight is refused after the length was written in the same transaction: neither stays.
    const lengths = async (): Promise<number> => ((await s.dispatch({ method: 'GET', path: 'Observation', query: [['code', 'http://loinc.org|8306-3'], ['_summary', 'count']] })).resource as { total: number }).total;
    const before = await lengths();
    const refused = await post({ patient: child, when: '2025-07-01', heightCm: 71, weightKg: 900 });
    expect(refused.status).toBe(400);
    expect(await lengths()).toBe(before);
  });
});
