import type { Parameters, Patient, Resource } from '@medplum/fhirtypes';
import { VN_CORE } from '../../src/station/canonical';
import { householdResource } from '../../src/station/model/person';
import { fhirFetch, startTestServer, type TestServer } from '../helpers/server';
import { examples, residentWith } from './examples';

/**
 * Patient/$merge at the station: a resident registered twice (once without a personal ID) becomes
 * one record, with every visit, measurement, card, household and app enrolment moved to it, in
 * one transaction, and refused whole when it cannot be done.
 */

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({}, { stationRules: true });
}, 180_000);
afterAll(() => server?.close());

let serial = 700;
const nextCccd = (): string => `03818500${String(serial++).padStart(4, '0')}`;
const person = residentWith;
const post = async (body: Resource): Promise<Resource> => {
  const res = await fhirFetch(`${server.baseUrl}/${body.resourceType}`, { method: 'POST', body });
  if (res.status !== 201) throw new Error(`${body.resourceType}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
};
const read = async (ref: string): Promise<any> => (await fhirFetch(`${server.baseUrl}/${ref}`)).body;
const merge = (parameter: Parameters['parameter'], token?: string) =>
  fhirFetch(`${server.baseUrl}/Patient/$merge`, { method: 'POST', body: { resourceType: 'Parameters', parameter }, token });
const refs = (source: Patient, target: Patient): Parameters['parameter'] => [
  { name: 'source-patient', valueReference: { reference: `Patient/${source.id}` } },
  { name: 'target-patient', valueReference: { reference: `Patient/${target.id}` } },
];
const numberOf = (p: Patient): string => p.identifier!.find((i) => i.system === VN_CORE.patientInternalId)!.value!;
/** The example records (a visit, its diagnosis, two measurements, a BHYT card, an app enrolment) of `patient`. */
const recordsOf = async (patient: Patient): Promise<Resource[]> => {
  const kinds = ['visit', 'diagnosis', 'bloodPressure', 'waist', 'coverage', 'enrolment'];
  const out: Resource[] = [];
  for (const kind of kinds) out.push(await post(JSON.parse(JSON.stringify(examples[kind]).replaceAll('"Patient/p1"', `"Patient/${patient.id}"`))));
  return out;
};
const compartment = async (p: Patient): Promise<string[]> =>
  (await fhirFetch(`${server.baseUrl}/Patient/${p.id}/$everything?_count=1000`)).body.entry.map((e: { resource: Resource }) => `${e.resource.resourceType}/${e.resource.id}`).sort();

test('every record of the source moves to the target; the source is retired and its numbers go with it', async () => {
  const target = (await post(person(nextCccd()))) as Patient;
  const source = (await post(person(undefined))) as Patient;
  const records = await recordsOf(source);
  const household = await post(householdResource(`15313-01-${String(serial).padStart(4, '0')}`, 'Hộ bà Nguyễn Thị Hoa', [
    { patientRef: `Patient/${target.id}`, role: 'chu-ho', start: '2005-06-01' },
    { patientRef: `Patient/${source.id}`, role: 'chu-ho', start: '2005-06-01' },
  ]));
  const accessLogOf = async (p: Patient): Promise<number> =>
    (await fhirFetch(`${server.baseUrl}/AuditEvent?entity=Patient/${p.id}&_summary=count`, { token: await server.systemToken('system/AuditEvent.rs') })).body.total;
  const accessLog = await accessLogOf(source);
  expect(accessLog).toBeGreaterThan(0);

  const res = await merge(refs(source, target));
  expect(res.status).toBe(200);
  const out = Object.fromEntries(res.body.parameter.map((p: { name: string; resource: Resource }) => [p.name, p.resource]));
  expect(out.outcome.issue[0].details.text).toBe(`Đã gộp hồ sơ: ${records.length + 1} bản ghi đã chuyển sang hồ sơ đích / Merged: ${records.length + 1} records moved to the target`);
  expect(out.input.parameter).toEqual(refs(source, target));

  for (const r of records) {
    const now = await read(`${r.resourceType}/${r.id}`);
    expect(JSON.stringify(now)).not.toContain(`Patient/${source.id}`);
    expect(JSON.stringify(now)).toContain(`Patient/${target.id}`);
    expect(now.meta.versionId).toBe('2');
  }
  const group = await read(`Group/${household.id}`);
  expect(group.member.map((m: { entity: { reference: string } }) => m.entity.reference)).toEqual([`Patient/${target.id}`]);

  const retired = await read(`Patient/${source.id}`);
  expect(retired.active).toBe(false);
  expect(retired.link).toEqual([{ other: { reference: `Patient/${target.id}` }, type: 'replaced-by' }]);
  expect(retired.identifier).toBeUndefined();
  const merged = await read(`Patient/${target.id}`);
  expect(merged).toEqual(out.result);
  expect(merged.link).toEqual([{ other: { reference: `Patient/${source.id}` }, type: 'replaces' }]);
  // The source's station number stays findable, as an old number of the target.
  expect(merged.identifier).toContainEqual({ ...source.identifier!.find((i) => i.system === VN_CORE.patientInternalId), use: 'old' });
  const byOldNumber = await fhirFetch(`${server.baseUrl}/Patient?identifier=${encodeURIComponent(`${VN_CORE.patientInternalId}|${numberOf(source)}`)}`);
  expect(byOldNumber.body.entry.map((e: { resource: Patient }) => e.resource.id)).toEqual([target.id]);

  // The retired record, and the target's link to it, alone.
  expect(await compartment(source)).toEqual([`Patient/${source.id}`, `Patient/${target.id}`].sort());
  expect(await compartment(target)).toEqual([target, ...records, household, source].map((r) => `${r.resourceType}/${r.id}`).sort());
  // The access log still says whose record was read and written then.
  expect(await accessLogOf(source)).toBeGreaterThan(accessLog);
});

test('a personal ID registered on the source only passes to the target (found by identifiers)', async () => {
  const cccd = nextCccd();
  const source = (await post(person(cccd))) as Patient;
  const target = (await post(person(undefined))) as Patient;
  const res = await merge([
    { name: 'source-patient-identifier', valueIdentifier: { system: VN_CORE.nationalId, value: cccd } },
    { name: 'target-patient-identifier', valueIdentifier: { system: VN_CORE.patientInternalId, value: numberOf(target) } },
  ]);
  expect(res.status).toBe(200);
  const merged = await read(`Patient/${target.id}`);
  expect(merged.identifier).toContainEqual(expect.objectContaining({ system: VN_CORE.nationalId, value: cccd }));
  const holders = await fhirFetch(`${server.baseUrl}/Patient?identifier=${encodeURIComponent(`${VN_CORE.nationalId}|${cccd}`)}`);
  expect(holders.body.entry.map((e: { resource: Patient }) => e.resource.id)).toEqual([target.id]);
  expect((await read(`Patient/${source.id}`)).identifier).toBeUndefined();
});

test('preview tells what would move and writes nothing', async () => {
  const target = (await post(person(nextCccd()))) as Patient;
  const source = (await post(person(undefined))) as Patient;
  const records = await recordsOf(source);
  const res = await merge([...refs(source, target)!, { name: 'preview', valueBoolean: true }]);
  expect(res.status).toBe(200);
  expect(res.body.parameter[1].resource.issue[0].details.text).toContain(`Xem trước: ${records.length} bản ghi sẽ được chuyển`);
  expect(res.body.parameter[2].resource.link).toEqual([{ other: { reference: `Patient/${source.id}` }, type: 'replaces' }]);
  for (const r of [source, target, ...records]) expect((await read(`${r.resourceType}/${r.id}`)).meta.versionId).toBe('1');
});

test('two different personal IDs are two people: 422, nothing written', async () => {
  const [a, b] = [nextCccd(), nextCccd()];
  const target = (await post(person(a))) as Patient;
  const source = (await post(person(b))) as Patient;
  const records = await recordsOf(source);
  const res = await merge(refs(source, target));
  expect(res.status).toBe(422);
  expect(res.body.issue[0].details.text).toContain(`Số CCCD của hai hồ sơ khác nhau (${b} và ${a})`);
  for (const r of [source, target, ...records]) expect((await read(`${r.resourceType}/${r.id}`)).meta.versionId).toBe('1');
});

test('a registrar, who may not write clinical records, moves none of them: 403, nothing written', async () => {
  const target = (await post(person(nextCccd()))) as Patient;
  const source = (await post(person(undefined))) as Patient;
  const records = await recordsOf(source);
  const res = await merge(refs(source, target), await server.staffToken(['registrar']));
  expect(res.status).toBe(403);
  for (const r of [source, target, ...records]) expect((await read(`${r.resourceType}/${r.id}`)).meta.versionId).toBe('1');
});

test('what cannot be merged is refused with a reason: the same record, a record merged before, missing or unserved inputs', async () => {
  const target = (await post(person(nextCccd()))) as Patient;
  const source = (await post(person(undefined))) as Patient;
  const same = await merge(refs(target, target));
  expect([same.status, same.body.issue[0].details.text]).toEqual([400, 'Hồ sơ nguồn và đích là một / The source and target are the same Patient']);
  expect((await merge(refs(source, target)!.slice(1))).status).toBe(400);
  const result = await merge([...refs(source, target)!, { name: 'result-patient', resource: target }]);
  expect([result.status, result.body.issue[0].code]).toEqual([400, 'not-supported']);
  expect((await merge([{ name: 'source-patient', valueReference: { reference: 'Patient/nope' } }, refs(source, target)![1]])).status).toBe(404);

  expect((await merge(refs(source, target))).status).toBe(200);
  const again = await merge(refs(source, target));
  expect(again.status).toBe(422);
  expect(again.body.issue[0].details.text).toContain(`Hồ sơ nguồn Patient/${source.id} đã được gộp vào hồ sơ khác`);
});
