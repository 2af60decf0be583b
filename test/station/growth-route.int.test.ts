import pino from 'pino';
import { errorHandler } from '../../src/http/errors';
import { HA_SON } from '../../src/station/config';
import { loadGrowthTables } from '../../src/station/growth/tables';
import { heightForAgeZ } from '../../src/station/growth/zscore';
import { stationRoutes } from '../../src/station/http/routes';
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
