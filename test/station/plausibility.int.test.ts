import type { OperationOutcome } from '@medplum/fhirtypes';
import { HA_SON } from '../../src/station/config';
import { bloodPressure } from '../../src/station/model/clinical';
import { residentResource } from '../../src/station/model/person';
import { fhirFetch, startTestServer, type TestServer } from '../helpers/server';

/** The errors of a refusal, as text and expression, for matching. */
const errors = (body: OperationOutcome): { text: string; expression: string[] }[] =>
  (body.issue ?? []).filter((i) => i.severity === 'error').map((i) => ({ text: i.details?.text ?? '', expression: i.expression ?? [] }));

// Measurements that are surely typing errors are refused, on the value the nurse typed, through the
// real server with the station's rules.
describe('implausible measurements are refused on what was typed', () => {
  let server: TestServer;
  let adult: string;
  const post = (resource: unknown) => fhirFetch(`${server.baseUrl}/${(resource as { resourceType: string }).resourceType}`, { method: 'POST', body: resource });

  beforeAll(async () => {
    server = await startTestServer({}, { stationRules: true });
    const resident = (birthDate: string, sex: 'male' | 'female') =>
      residentResource(HA_SON, { name: 'Nguyễn Thị Lan', sex, birthDate, ethnicCode: '01', residences: [{ village: HA_SON.villages[0], type: 'thuong-tru', start: birthDate }] });
    const created = await post(resident('1980-03-01', 'female'));
    expect(created.status).toBe(201);
    adult = `Patient/${created.body.id}`;
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
});
