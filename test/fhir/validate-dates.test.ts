import type { Resource } from '@medplum/fhirtypes';
import { loadR4Definitions } from '../../src/fhir/definitions';
import { validate } from '../../src/fhir/validate/validator';

// R4 datatypes.html: dates SHALL be valid dates. The types' patterns allow day 31 in any month.
describe('date, dateTime and instant values are days of the calendar', () => {
  const defs = loadR4Definitions();
  const noProfiles = { get: () => undefined };
  const errorsAt = (resource: Resource): string[] =>
    validate(resource, defs, noProfiles)
      .filter((i) => i.severity === 'error')
      .flatMap((i) => i.expression ?? []);

  test.each(['2020-02-29', '2000-02-29', '2021-01-31', '2021-02', '2021', '2021-04-30'])('accepts the birth date %s', (birthDate) => {
    expect(errorsAt({ resourceType: 'Patient', birthDate })).toEqual([]);
  });

  test.each(['2020-02-30', '2021-02-29', '1900-02-29', '2021-04-31'])('refuses the birth date %s', (birthDate) => {
    expect(errorsAt({ resourceType: 'Patient', birthDate })).toEqual(['Patient.birthDate']);
  });

  test('in dateTime choices, nested datatypes, backbone elements and extensions', () => {
    const observation: Resource = {
      resourceType: 'Observation',
      status: 'final',
      code: { text: 'cân nặng' },
      effectiveDateTime: '2021-02-31T10:00:00+07:00',
      issued: '2021-06-31T10:00:00Z',
      extension: [{ url: 'http://example.org/ngay', valueDate: '2023-02-29' }],
    };
    expect(errorsAt(observation).sort()).toEqual(['Observation.effectiveDateTime', 'Observation.extension[0].valueDate', 'Observation.issued']);
    const encounter: Resource = { resourceType: 'Encounter', status: 'finished', class: { code: 'AMB' }, statusHistory: [{ status: 'planned', period: { start: '2021-09-31' } }] };
    expect(errorsAt(encounter)).toEqual(['Encounter.statusHistory[0].period.start']);
  });
});
