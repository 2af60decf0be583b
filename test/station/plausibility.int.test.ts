import type { OperationOutcome } from '@medplum/fhirtypes';
import { HA_SON } from '../../src/station/config';
import { loadGrowthTables } from '../../src/station/growth/tables';
import { ageInDays, heightForAgeZ } from '../../src/station/growth/zscore';
import { bloodPressure, immunizationResource, visitResources, vitalSign } from '../../src/station/model/clinical';
import { loadStationTerminology } from '../../src/station/rules/terminology';
import { residentResource } from '../../src/station/model/person';
import { fhirFetch, startTestServer, type TestServer } from '../helpers/server';
import { describeWithShared, REFERENCE_DIR } from './shared';

/** The errors of a refusal, as text and expression, for matching. */
const errors = (body: OperationOutcome): { text: string; expression: string[] }[] =>
  (body.issue ?? []).filter((i) => i.severity === 'error').map((i) => ({ text: i.details?.text ?? '', expression: i.expression ?? [] }));

// Measurements that are surely typing errors are refused, on the value the nurse typed, through the
// real server with the station's rules.
describe('implausible measurements are refused on what was typed', () => {
  let server: TestServer;
  let adult: string;
  let boy: string;
  const post = (resource: unknown) => fhirFetch(`${server.baseUrl}/${(resource as { resourceType: string }).resourceType}`, { method: 'POST', body: resource });

  beforeAll(async () => {
    server = await startTestServer({}, { stationRules: true });
    const resident = (birthDate: string, sex: 'male' | 'female') =>
      residentResource(HA_SON, { name: 'Nguyễn Thị Lan', sex, birthDate, ethnicCode: '01', residences: [{ village: HA_SON.villages[0], type: 'thuong-tru', start: birthDate }] });
    const created = await post(resident('1980-03-01', 'female'));
    expect(created.status).toBe(201);
    adult = `Patient/${created.body.id}`;
    boy = `Patient/${(await post(resident('2022-06-01', 'male'))).body.id}`;
  });
  afterAll(() => server.close());

  test('a blood pressure whose diastolic reaches the systolic (swapped or mistyped) is refused on the diastolic', async () => {
    for (const [sys, dia] of [
      [120, 180],
      [80, 80],
    ]) {
      const res = await post(bloodPressure(adult, '2025-05-05T09:00:00+07:00', sys, dia));
      expect(res.status).toBe(400);
      expect(errors(res.body)).toEqual([
        {
          text: `Huyết áp tâm trương ${dia} mmHg không thể bằng hoặc cao hơn huyết áp tâm thu ${sys} mmHg: hãy kiểm tra xem hai số có bị ghi đảo không / Diastolic ${dia} mm[Hg] must be below systolic ${sys} mm[Hg]: check whether the two were swapped`,
          expression: ['Observation.component[1].valueQuantity'],
        },
      ]);
    }
    expect((await post(bloodPressure(adult, '2025-05-05T09:00:00+07:00', 120, 80))).status).toBe(201);
  });

  describeWithShared("a child's height no child of that age has", () => {
    const observationsOf = async (patient: string): Promise<number> => (await fhirFetch(`${server.baseUrl}/Observation?subject=${patient}&_total=accurate`)).body.total;
    const refusal = {
      text: 'Chiều cao 45 cm không hợp lý với tuổi 36 tháng (Z = −13,8): hãy đo lại / Height 45 cm is implausible at 36 months (z = −13.8): measure again',
      expression: ['Observation.valueQuantity'],
    };

    test('45 cm at three years is refused on the height, naming the value, the age and the z, through the growth route and a plain POST', async () => {
      const before = await observationsOf(boy);
      const route = await fhirFetch(`${server.origin}/station/growth`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: { patient: boy, when: '2025-06-01', heightCm: 45, weightKg: 14, lying: false } });
      expect(route.status).toBe(400);
      expect(errors(route.body)).toEqual([refusal]);
      const plain = await post(vitalSign(boy, '2025-06-01', '8302-2', 45));
      expect(plain.status).toBe(400);
      expect(errors(plain.body)).toEqual([refusal]);
      // Nothing half-written: neither the height, the weight nor a z-score.
      expect(await observationsOf(boy)).toBe(before);
    });

    test('a very short but possible height (|z| between 6 and 10) is stored with its z-score, flagged', async () => {
      const z = heightForAgeZ(loadGrowthTables([REFERENCE_DIR])!, 1, ageInDays('2022-06-01', '2025-06-01'), 70, false)!;
      expect(z.z).toBeLessThan(-6);
      expect(z.z).toBeGreaterThan(-10);
      const res = await fhirFetch(`${server.origin}/station/growth`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: { patient: boy, when: '2025-06-01', heightCm: 70, lying: false } });
      expect(res.status).toBe(201);
      const haz = res.body.entry[1].resource;
      expect(haz.valueQuantity.value).toBe(z.z);
      expect(haz.note[0].text).toMatch(/\|Z\| > 6/);
    });
  });

  describe('dates a record cannot have: in the future, or before the resident was born', () => {
    const at = (ms: number): string => new Date(Date.now() + ms).toISOString();
    const heartRate = (when: string) => vitalSign(adult, when, '8867-4', 80);

    test('a heart rate dated in 2030 or an hour ahead is refused on its date; a clock a few minutes fast is not', async () => {
      for (const when of ['2030-05-05T09:00:00+07:00', at(3_600_000)]) {
        const res = await post(heartRate(when));
        expect(res.status).toBe(400);
        expect(errors(res.body)).toEqual([
          { text: `Thời điểm đo ${when} ở tương lai: hãy kiểm tra lại ngày, tháng, năm (và đồng hồ của máy) / The measurement time ${when} is in the future: check the date (and the device's clock)`, expression: ['Observation.effective'] },
        ]);
      }
      expect((await post(heartRate(at(2 * 60_000)))).status).toBe(201);
      // A record withdrawn as entered in error is not refused for the date that was wrong.
      expect((await post({ ...heartRate('2030-05-05T09:00:00+07:00'), status: 'entered-in-error' })).status).toBe(201);
    });

    test('a heart rate dated before the resident was born is refused; back-entry of an old paper record is not', async () => {
      const res = await post(heartRate('1970-05-05T09:00:00+07:00'));
      expect(res.status).toBe(400);
      expect(errors(res.body)).toEqual([
        {
          text: "Thời điểm đo 1970-05-05T09:00:00+07:00 trước ngày sinh của người dân (1980-03-01): hãy kiểm tra lại năm / The measurement time 1970-05-05T09:00:00+07:00 is before the resident's birth date (1980-03-01): check the year",
          expression: ['Observation.effective'],
        },
      ]);
      // 29 February 23:30 UTC is already 1 March at the station: the day of birth, not before it.
      expect((await post(heartRate('1980-02-29T23:30:00Z'))).status).toBe(201);
      expect((await post(heartRate('1995-08-10'))).status).toBe(201);
    });

    test('a resident registered in the same transaction Bundle as a measurement before their birth: nothing is written', async () => {
      const newborn = residentResource(HA_SON, { name: 'Lê Thị Na', sex: 'female', birthDate: '2025-01-10', ethnicCode: '01', residences: [{ village: HA_SON.villages[0], type: 'thuong-tru', start: '2025-01-10' }] });
      const fullUrl = 'urn:uuid:7d1f5b2a-0000-4000-8000-000000000001';
      const bundle = {
        resourceType: 'Bundle',
        type: 'transaction',
        entry: [
          { fullUrl, request: { method: 'POST', url: 'Patient' }, resource: newborn },
          { request: { method: 'POST', url: 'Observation' }, resource: vitalSign(fullUrl, '2024-12-31', '29463-7', 3.1) },
        ],
      };
      const res = await fhirFetch(server.baseUrl, { method: 'POST', body: bundle });
      expect(res.status).toBe(400);
      expect(JSON.stringify(res.body)).toContain('trước ngày sinh của người dân (2025-01-10)');
      expect((await fhirFetch(`${server.baseUrl}/Patient?name=Na&birthdate=2025-01-10&_total=accurate`)).body.total).toBe(0);
    });

    test('the same for a visit, a diagnosis and a vaccination', async () => {
      const terminology = loadStationTerminology();
      const { encounter, conditions } = visitResources(
        { patientRef: adult, examiner: { display: 'BS. Trần Văn Nam' }, start: '2031-01-02T08:00:00+07:00', class: 'AMB', specialty: 'noi', symptoms: 'Ho', diagnoses: ['J00'], status: 'in-progress' },
        terminology,
        [],
      );
      const { diagnosis: _none, ...visit } = encounter;
      const future = await post(visit);
      expect(future.status).toBe(400);
      expect(errors(future.body).map((e) => e.expression)).toEqual([['Encounter.period.start']]);
      expect((await post({ ...visit, status: 'planned' })).status).toBe(201);
      const diagnosis = await post({ ...conditions[0], recordedDate: '1979-12-31' });
      expect(diagnosis.status).toBe(400);
      expect(errors(diagnosis.body).map((e) => e.expression)).toEqual([['Condition.recordedDate']]);
      const dose = await post(immunizationResource(adult, 'BCG', 1, '1979-06-01', terminology));
      expect(dose.status).toBe(400);
      expect(errors(dose.body).map((e) => e.expression)).toEqual([['Immunization.occurrence']]);
      expect((await post(immunizationResource(adult, 'BCG', 1, '1980-03-02', terminology))).status).toBe(201);
    });

    test('a diagnosis only the other sex can have is refused on its code; one for either sex is kept', async () => {
      const terminology = loadStationTerminology();
      const diagnose = (patientRef: string, code: string) =>
        post(
          visitResources(
            { patientRef, examiner: { display: 'BS. Trần Văn Nam' }, start: '2025-05-05T08:00:00+07:00', class: 'AMB', specialty: 'noi', symptoms: 'Khám', diagnoses: [code], status: 'finished' },
            terminology,
            [],
          ).conditions[0],
        );
      const prostate = await diagnose(adult, 'N40');
      expect(prostate.status).toBe(400);
      expect(errors(prostate.body)).toEqual([
        {
          text: 'Mã ICD-10 N40 chỉ dùng cho nam, nhưng người dân này giới tính nữ: hãy kiểm tra lại mã bệnh hoặc giới tính / ICD-10 N40 is for men only, but this resident is female: check the code or the resident\'s sex',
          expression: ['Condition.code.coding[0].code'],
        },
      ]);
      expect(errors((await diagnose(boy, 'Z34')).body)[0].text).toContain('Mã ICD-10 Z34 chỉ dùng cho nữ');
      expect(errors((await diagnose(boy, 'N95.1')).body)[0].text).toContain('Mã ICD-10 N95.1 chỉ dùng cho nữ');
      expect((await diagnose(adult, 'Z34')).status).toBe(201);
      expect((await diagnose(boy, 'J00')).status).toBe(201);
      expect((await diagnose(adult, 'Z30')).status).toBe(201); // family planning: either sex

      // The other way round: the woman with a pregnancy kept cannot become a man until it is fixed.
      const woman = (await fhirFetch(`${server.baseUrl}/${adult}`)).body;
      const corrected = await fhirFetch(`${server.baseUrl}/${adult}`, { method: 'PUT', body: { ...woman, gender: 'male' } });
      expect(corrected.status).toBe(400);
      expect(errors(corrected.body)[0].expression).toEqual(['Patient.gender']);
      expect(errors(corrected.body)[0].text).toMatch(/^Giới tính mới không phù hợp với 1 chẩn đoán đã có của người này: Condition\/[\w-]+; hãy kiểm tra lại giới tính/);
      expect((await fhirFetch(`${server.baseUrl}/${adult}`)).body.gender).toBe('female');
      expect((await fhirFetch(`${server.baseUrl}/${adult}`, { method: 'PUT', body: { ...woman, gender: 'unknown' } })).status).toBe(200);
    });

    test('a birth date corrected to after records already kept is refused, naming them; a registrar is told how many', async () => {
      const terminology = loadStationTerminology();
      const person = residentResource(HA_SON, { name: 'Trần Thị Mai', sex: 'female', birthDate: '1990-01-01', ethnicCode: '01', residences: [{ village: HA_SON.villages[0], type: 'thuong-tru', start: '2010-01-01' }] });
      const stored = (await post(person)).body;
      const ref = `Patient/${stored.id}`;
      const measured = (await post(vitalSign(ref, '1995-08-10T09:00:00+07:00', '8867-4', 80))).body;
      const dose = (await post(immunizationResource(ref, 'BCG', 1, '1990-01-03', terminology))).body;
      const correct = (birthDate: string, token?: string) => fhirFetch(`${server.baseUrl}/${ref}`, { method: 'PUT', body: { ...stored, birthDate }, token });

      const refused = await correct('2000-01-01');
      expect(refused.status).toBe(400);
      const [issue] = errors(refused.body);
      expect(issue.expression).toEqual(['Patient.birthDate']);
      expect(issue.text).toMatch(/^Ngày sinh 2000-01-01 muộn hơn ngày của 2 hồ sơ đã có của người này: .* \/ Birth date 2000-01-01 is after the date of 2 of this resident's records/);
      expect(issue.text).toContain(`Observation/${measured.id}`);
      expect(issue.text).toContain(`Immunization/${dose.id}`);
      // Only the dose is before 1995-08-10; the measurement is on that day.
      expect(errors((await correct('1995-08-10')).body)[0].text).toContain('của 1 hồ sơ');

      const registrar = await server.staffToken(['registrar']);
      const told = await correct('2000-01-01', registrar);
      expect(told.status).toBe(400);
      expect(errors(told.body)[0].text).toContain('muộn hơn ngày của 2 hồ sơ đã có của người này; hãy kiểm tra lại ngày sinh');
      expect(errors(told.body)[0].text).not.toContain('Observation/');
      expect((await fhirFetch(`${server.baseUrl}/${ref}`)).body.birthDate).toBe('1990-01-01');

      // An earlier date is no conflict; records withdrawn as entered in error stand in no one's way.
      expect((await correct('1989-12-31')).status).toBe(200);
      await fhirFetch(`${server.baseUrl}/Observation/${measured.id}`, { method: 'PUT', body: { ...measured, status: 'entered-in-error' } });
      await fhirFetch(`${server.baseUrl}/Immunization/${dose.id}`, { method: 'PUT', body: { ...dose, status: 'entered-in-error' } });
      const now = (await fhirFetch(`${server.baseUrl}/${ref}`)).body;
      const moved = await fhirFetch(`${server.baseUrl}/${ref}`, { method: 'PUT', body: { ...now, birthDate: '2000-01-01' } });
      expect(moved.status).toBe(200);
    });
  });
});
