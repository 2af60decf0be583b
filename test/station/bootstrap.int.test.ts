import type { Bundle, Patient } from '@medplum/fhirtypes';
import { OperationOutcomeError } from '../../src/fhir/outcomes';
import { bootstrapStation } from '../../src/station/bootstrap';
import { BASE, EXT, VN_CORE } from '../../src/station/canonical';
import { HA_SON } from '../../src/station/config';
import { examples, resident } from './examples';
import { startStationEngine, type StationEngine } from './helpers';

describe('station bootstrap, write path and search parameters (engine over a real database)', () => {
  let s: StationEngine;
  beforeAll(async () => {
    s = await startStationEngine();
    await bootstrapStation(s.engine, HA_SON);
  });
  afterAll(() => s.close());

  const search = async (query: string): Promise<Bundle> => (await s.dispatch({ method: 'GET', path: query.split('?')[0], query: [...new URLSearchParams(query.split('?')[1])] as [string, string][] })).resource as Bundle;

  test('the profiles are served through the API: StructureDefinition?type=Patient, CodeSystem?url=…', async () => {
    const sds = await search('StructureDefinition?type=Patient');
    expect(sds.entry!.map((e) => (e.resource as { url: string }).url)).toEqual([`${BASE}/StructureDefinition/station-resident`]);
    expect((sds.entry![0].resource as { snapshot?: unknown }).snapshot).toBeDefined();
    const race = await search(`CodeSystem?url=${VN_CORE.race}`);
    expect(race.entry).toHaveLength(1);
    const villages = await search(`CodeSystem?url=${BASE}/CodeSystem/village`);
    expect((villages.entry![0].resource as { concept: unknown[] }).concept).toHaveLength(8);
  });

  test('bootstrapping again writes no new versions', async () => {
    await bootstrapStation(s.engine, HA_SON);
    const sds = await search('StructureDefinition?type=Patient');
    expect(sds.entry![0].resource!.meta!.versionId).toBe('1');
    const locations = await search('Location?_count=50');
    expect(locations.entry).toHaveLength(9);
    expect(locations.entry!.every((e) => e.resource!.meta!.versionId === '1')).toBe(true);
  });

  test('a malformed CCCD is a 400 naming the digit to fix, and nothing is stored', async () => {
    const bad = structuredClone(resident);
    bad.identifier![0].value = '038085001234';
    const failure = await s.engine.repo.create(bad).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(OperationOutcomeError);
    expect((failure as OperationOutcomeError).status).toBe(400);
    const issue = (failure as OperationOutcomeError).outcome.issue!.find((i) => i.diagnostics?.includes('Chữ số thứ 4'));
    expect(issue).toMatchObject({ severity: 'error', expression: ['Patient.identifier[0].value'] });
    expect((await search(`Patient?identifier=${VN_CORE.nationalId}|038085001234`)).entry ?? []).toHaveLength(0);
  });

  test('an unknown village inside a transaction fails the whole transaction with 400', async () => {
    const bad = structuredClone(examples.child as Patient);
    bad.address![0].extension!.find((e) => e.url === EXT.village)!.valueCoding!.code = '15313-42';
    const bundle: Bundle = {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        { fullUrl: 'urn:uuid:0b7e6f1e-0000-4000-8000-000000000001', resource: resident, request: { method: 'POST', url: 'Patient' } },
        { fullUrl: 'urn:uuid:0b7e6f1e-0000-4000-8000-000000000002', resource: bad, request: { method: 'POST', url: 'Patient' } },
      ],
    };
    const failure = await s.dispatch({ method: 'POST', path: '', query: [], body: bundle }).catch((e: unknown) => e as OperationOutcomeError);
    expect((failure as OperationOutcomeError).status).toBe(400);
    expect(JSON.stringify((failure as OperationOutcomeError).outcome)).toContain('Mã thôn \\"15313-42\\"');
    expect((await search(`Patient?identifier=${VN_CORE.nationalId}|038185001234`)).entry ?? []).toHaveLength(0);
  });

  test('patients by village, residence type and ethnic group; coverage valid on a date; enrolment by app and status', async () => {
    const p = (await s.engine.repo.create(resident)).resource;
    const c = (await s.engine.repo.create(examples.child)).resource;
    const ids = async (q: string): Promise<string[]> => ((await search(q)).entry ?? []).map((e) => e.resource!.id!).sort();
    expect(await ids('Patient?village=15313-01')).toEqual([p.id]);
    expect(await ids('Patient?residence-type=tam-tru')).toEqual([c.id]);
    expect(await ids('Patient?ethnic-group=06')).toEqual([c.id]);
    expect(await ids('Patient?commune=15316')).toEqual([p.id, c.id].sort());

    const coverage = structuredClone(examples.coverage);
    (coverage as { beneficiary: { reference: string } }).beneficiary.reference = `Patient/${p.id}`;
    const cov = (await s.engine.repo.create(coverage)).resource;
    expect(await ids('Coverage?period=le2025-06-30&period=ge2025-06-30')).toEqual([cov.id]);
    expect(await ids('Coverage?period=le2026-02-01&period=ge2026-02-01')).toEqual([]);

    const enrolment = structuredClone(examples.enrolment) as { subject: { reference: string } };
    enrolment.subject.reference = `Patient/${p.id}`;
    const e = (await s.engine.repo.create(enrolment as never)).resource;
    expect(await ids('Basic?app=vneid-health-book&enrolment-status=active')).toEqual([e.id]);
    expect(await ids('Basic?app=vtelehealth')).toEqual([]);
  });
});
