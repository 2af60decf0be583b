import { getAllDataTypes } from '@medplum/core';
import type { Resource } from '@medplum/fhirtypes';
import { loadR4Definitions, type R4Definitions } from '../../src/fhir/definitions';
import { validate } from '../../src/fhir/validate/validator';

// Keys named like Object.prototype members (src/fhir/validate/inherited-keys.ts): @medplum/core's
// `key in elements` took them for elements, and our binding walk found inherited functions there
// and threw. Each must be one unknown-element error at its path, never an exception.

const noProfiles = { get: () => undefined };
const parse = (json: string): Resource => JSON.parse(json) as Resource;

describe('element names that are Object.prototype members', () => {
  let defs: R4Definitions;
  beforeAll(() => {
    defs = loadR4Definitions();
  });

  test('no R4 element is named like one (so refusing them all refuses nothing valid)', () => {
    const inherited = new Set(Object.getOwnPropertyNames(Object.prototype));
    const clashes = Object.values(getAllDataTypes()).flatMap((schema) =>
      Object.keys(schema.elements).filter((name) => inherited.has(name.replace('[x]', ''))),
    );
    expect(clashes).toEqual([]);
  });

  test.each([
    ['{"resourceType":"Patient","constructor":{"prototype":{"x":1}}}', 'Patient.constructor'],
    ['{"resourceType":"Patient","toString":1}', 'Patient.toString'],
    ['{"resourceType":"Patient","hasOwnProperty":"x"}', 'Patient.hasOwnProperty'],
    ['{"resourceType":"Patient","_valueOf":{"id":"x"}}', 'Patient._valueOf'],
    ['{"resourceType":"Patient","__proto__":{"x":1}}', 'Patient.__proto__'],
    ['{"resourceType":"Patient","name":[{"__proto__":{"family":"x"}}]}', 'Patient.name[0].__proto__'],
    ['{"resourceType":"Patient","name":[{"family":"x","constructor":1}]}', 'Patient.name[0].constructor'],
    ['{"resourceType":"Patient","contained":[{"resourceType":"Patient","toString":1}]}', 'Patient.contained[0].toString'],
    ['{"resourceType":"Observation","status":"final","code":{"text":"x"},"valueQuantity":{"value":1,"isPrototypeOf":2}}', 'Observation.valueQuantity.isPrototypeOf'],
    ['{"resourceType":"Patient","contained":[{"resourceType":"toString","id":"a"}]}', 'Patient.contained[0].resourceType'],
  ])('%s is refused at %s', (json, expression) => {
    const errors = validate(parse(json), defs, noProfiles).filter((i) => i.severity === 'error');
    expect(errors).toEqual([expect.objectContaining({ code: 'structure', expression: [expression], diagnostics: expect.stringMatching(/Unknown (element|resource type)/) })]);
  });
});
