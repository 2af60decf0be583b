import type { OperationOutcomeIssue, Resource } from '@medplum/fhirtypes';
import { loadR4Definitions } from '../../src/fhir/definitions';
import { validate } from '../../src/fhir/validate/validator';

// A resource whose JSON is not shaped as its definitions type it (shape.ts) is refused with a
// bilingual error at the element's expression: the validator, @medplum/core's FHIRPath utilities
// and our own checks used to throw on such values, which the server answered 500.
describe('values of the wrong JSON shape are refused, never thrown over', () => {
  const defs = loadR4Definitions();
  const noProfiles = { get: () => undefined };
  const errors = (resource: unknown): OperationOutcomeIssue[] => validate(resource as Resource, defs, noProfiles).filter((i) => i.severity === 'error');
  const at = (resource: unknown): string[] => errors(resource).flatMap((i) => i.expression ?? []);
  const bilingualTexts = (resource: unknown): void => {
    for (const issue of errors(resource)) {
      expect(issue.diagnostics).toMatch(/^[^/]+ \/ .+$/s);
      expect(issue.details?.text).toBe(issue.diagnostics);
    }
  };

  describe('primitive-extension siblings (@medplum/core threw "Primitive extension must be an object")', () => {
    test.each([5, 'x', true, [{ id: 'a' }]])('"_gender": %j', (value) => {
      const patient = { resourceType: 'Patient', gender: 'female', _gender: value };
      expect(at(patient)).toEqual(['Patient.gender']);
      expect(errors(patient)[0].diagnostics).toContain('"_gender"');
      bilingualTexts(patient);
    });

    test('an extension sibling without its value, in a backbone element of a nested type', () => {
      const questionnaire = { resourceType: 'Questionnaire', status: 'draft', item: [{ linkId: '1', type: 'group', item: [{ linkId: '2', type: 'string', _text: 5 }] }] };
      expect(at(questionnaire)).toEqual(['Questionnaire.item[0].item[0].text']);
    });

    test('of a repeating primitive: an array of objects or nulls, whose objects hold the nulls of the values', () => {
      const given = (_given: unknown, values: unknown[] = ['An', null]): unknown => ({ resourceType: 'Patient', name: [{ given: values, _given }] });
      expect(at(given([null, { extension: [{ url: 'http://example.org/x', valueString: 'y' }] }]))).toEqual([]);
      // The null its extension sibling no longer holds is one too.
      expect(at(given(5)).sort()).toEqual(['Patient.name[0].given', 'Patient.name[0].given[1]']);
      expect(at(given({ id: 'a' }, ['An']))).toEqual(['Patient.name[0].given']);
      expect(at(given([null, 5], ['An', 'Bình']))).toEqual(['Patient.name[0].given[1]']);
      // A null no extension holds (and @medplum/core's report of the null extension beside it).
      expect(at(given([{ id: 'a' }, null]))).toEqual(['Patient.name[0].given[1]', 'Patient.name[0]._given[1]']);
    });

    test('beside an element that is no primitive, an unknown element', () => {
      expect(at({ resourceType: 'Patient', _managingOrganization: { id: 'x' } })).toEqual(['Patient._managingOrganization']);
    });
  });

  describe('CodeableConcept.coding under a required binding (bindings.ts threw)', () => {
    const condition = (clinicalStatus: unknown): unknown => ({ resourceType: 'Condition', subject: { reference: 'Patient/p1' }, clinicalStatus });
    test.each([5, 'active', { code: 'active' }])('"coding": %j is not an array', (coding) => {
      expect(at(condition({ coding }))).toEqual(['Condition.clinicalStatus.coding']);
      bilingualTexts(condition({ coding }));
    });
    test('a null in coding', () => {
      expect(at(condition({ coding: [null] }))).toEqual(['Condition.clinicalStatus.coding[0]']);
    });
    test('a number in coding, which @medplum/core took for an empty Coding', () => {
      expect(at(condition({ coding: [5] }))).toEqual(['Condition.clinicalStatus.coding[0]']);
    });
  });

  describe('meta.profile (validator.ts threw reading it)', () => {
    test.each([
      [5, 'Patient.meta.profile'],
      [{}, 'Patient.meta.profile'],
      ['http://example.org/p', 'Patient.meta.profile'],
      [[5], 'Patient.meta.profile[0]'],
      [[null], 'Patient.meta.profile[0]'],
      [['http://example.org/p', { url: 'x' }], 'Patient.meta.profile[1]'],
    ])('"profile": %j', (profile, expression) => {
      const patient = { resourceType: 'Patient', meta: { profile } };
      expect(at(patient)).toEqual([expression]);
      bilingualTexts(patient);
    });
  });

  describe('datatypes and resources must be objects', () => {
    test('a string where a Reference belongs is one error, not one per character', () => {
      const patient = { resourceType: 'Patient', managingOrganization: 'Organization/1' };
      expect(at(patient)).toEqual(['Patient.managingOrganization']);
      expect(errors(patient)[0].diagnostics).toBe('Kiểu JSON không hợp lệ: cần object, nhận được string / Invalid JSON type: expected object, but got string');
    });
    test('contained resources', () => {
      expect(at({ resourceType: 'Patient', contained: [5] })).toEqual(['Patient.contained[0]']);
      expect(at({ resourceType: 'Patient', contained: [{ resourceType: 5 }] })).toEqual(['Patient.contained[0].resourceType']);
      expect(at({ resourceType: 'Patient', contained: [{ resourceType: 'Patient', active: 'yes' }] })).toEqual(['Patient.contained[0].active']);
    });
  });

  test('strings jsonb cannot store: U+0000 and lone surrogates (a pair is fine)', () => {
    expect(at({ resourceType: 'Patient', name: [{ family: 'a\ud800b' }] })).toEqual(['Patient.name[0].family']);
    expect(at({ resourceType: 'Patient', name: [{ family: 'a\udc00' }] })).toEqual(['Patient.name[0].family']);
    expect(at({ resourceType: 'Patient', name: [{ family: 'Nguyễn \ud83d\ude00' }] })).toEqual([]);
  });

  // R4 json.html: an element without a value is left out, never "", {} or []. These were stored
  // (@medplum/core takes a lone "" for absent, and an empty array, or an object not in an array, for nothing).
  describe('empty values: "", {} and [] are refused at their element', () => {
    test.each([
      [{ name: [], gender: '' }, ['Patient.gender', 'Patient.name']],
      [{ name: [{}] }, ['Patient.name[0]']],
      [{ name: [{ family: '' }] }, ['Patient.name[0].family']],
      [{ name: [{ family: 'Lê', given: [] }] }, ['Patient.name[0].given']],
      [{ name: [{ family: 'Lê', given: ['An', ''] }] }, ['Patient.name[0].given[1]']],
      [{ birthDate: '' }, ['Patient.birthDate']],
      [{ id: '' }, ['Patient.id']],
      [{ meta: {} }, ['Patient.meta']],
      [{ meta: { tag: [] } }, ['Patient.meta.tag']],
      [{ extension: [] }, ['Patient.extension']],
      [{ managingOrganization: {} }, ['Patient.managingOrganization']],
      // An object whose only element is empty: reported once, at that element.
      [{ managingOrganization: { extension: [] } }, ['Patient.managingOrganization.extension']],
      [{ contained: [] }, ['Patient.contained']],
      [{ contained: [{}] }, ['Patient.contained[0]']],
      [{ text: { status: 'generated', div: '' } }, ['Patient.text.div']],
      [{ gender: 'male', _gender: {} }, ['Patient.gender']],
      [{ name: [{ given: ['An'], _given: [] }] }, ['Patient.name[0].given']],
      [{ name: [{ given: ['An', 'Bình'], _given: [null, {}] }] }, ['Patient.name[0].given[1]']],
    ])('%j', (elements, expressions) => {
      const patient = { resourceType: 'Patient', ...elements };
      expect(at(patient).sort()).toEqual(expressions);
      for (const issue of errors(patient)) expect(issue.diagnostics).toMatch(/^(Chuỗi|Mảng|Đối tượng) rỗng .+ \/ An empty (string|array|object) /);
      bilingualTexts(patient);
    });

    test('in a choice element, a Bundle and its entries', () => {
      const observation = (value: object): unknown => ({ resourceType: 'Observation', status: 'final', code: { text: 'x' }, ...value });
      // @medplum/core reported these as unknown elements.
      expect(at(observation({ valueString: '' }))).toEqual(['Observation.valueString']);
      expect(at(observation({ valueQuantity: {} }))).toEqual(['Observation.valueQuantity']);
      expect(at({ resourceType: 'Bundle', type: 'collection', entry: [] })).toEqual(['Bundle.entry']);
      expect(at({ resourceType: 'Bundle', type: 'collection', entry: [{ resource: {} }] })).toEqual(['Bundle.entry[0].resource']);
      expect(at({ resourceType: 'Bundle', type: 'collection' })).toEqual([]);
    });

    test('a string of whitespace only is not empty: @medplum/core refuses it, once; other values that look empty are values', () => {
      const blank = errors({ resourceType: 'Patient', name: [{ family: ' ' }] });
      expect(blank.map((i) => [i.expression, i.diagnostics])).toEqual([[['Patient.name[0].family'], 'Chuỗi phải có ký tự khác khoảng trắng / String must contain non-whitespace content']]);
      expect(at({ resourceType: 'Patient', active: false, multipleBirthInteger: 0, name: [{ family: 'Lê', given: ['An', null], _given: [null, { extension: [{ url: 'http://example.org/x', valueString: 'y' }] }] }] })).toEqual([]);
      expect(at({ resourceType: 'Patient' })).toEqual([]);
    });
  });

  test('the rest of the resource is still checked, and nothing is reported twice', () => {
    const observation = { resourceType: 'Observation', status: 5, code: { text: 'x' }, subject: { reference: 'Patient/1' }, foo: 1, issued: '2021-02-30T10:00:00Z' };
    expect(at(observation).sort()).toEqual(['Observation.foo', 'Observation.issued', 'Observation.status']);
  });

  test('a domain rule that throws on a malformed resource does not turn the refusal into an exception', () => {
    const rule = (r: Resource): OperationOutcomeIssue[] => {
      if (typeof (r as { gender?: unknown }).gender !== 'string') throw new TypeError('gender');
      return [];
    };
    expect(validate({ resourceType: 'Patient', gender: 5 } as unknown as Resource, defs, noProfiles, [rule]).map((i) => i.expression)).toEqual([['Patient.gender']]);
  });
});
