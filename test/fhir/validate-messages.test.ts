import type { OperationOutcomeIssue, Resource } from '@medplum/fhirtypes';
import { loadR4Definitions, type R4Definitions } from '../../src/fhir/definitions';
import { bilingualIssue } from '../../src/fhir/validate/messages';
import { validate } from '../../src/fhir/validate/validator';

// @medplum/core's validator issues, worded Vietnamese first, then English, in diagnostics and
// details.text (src/fhir/validate/messages.ts); expression, code and severity kept.

const FALLBACK = 'Tài nguyên không hợp lệ theo định nghĩa FHIR R4';
const noProfiles = { get: () => undefined };

describe('bilingual validation messages', () => {
  // One text per message template of @medplum/core 4.5's validator (typeschema/validation.ts, getDataType).
  test.each([
    ['Missing resource type', 'Thiếu resourceType'],
    ['Unknown data type: Foo', 'Kiểu dữ liệu không xác định: Foo'],
    ['Missing required property', 'Thiếu phần tử bắt buộc'],
    ['Invalid empty value', 'Giá trị rỗng'],
    ['Invalid empty non-primitive value', 'Phần tử rỗng, không có nội dung'],
    ['Invalid null value', 'Giá trị null'],
    ['Invalid undefined value', 'Mảng có phần tử trống'],
    ['Expected array of values for property', 'Phần tử này phải là một mảng'],
    ['Expected single value for property', 'Phần tử này chỉ nhận một giá trị, không phải mảng'],
    ['Invalid number of values: expected 1..*, but found 0', 'Số giá trị không hợp lệ: cần 1..*, có 0'],
    ['Value did not match expected pattern', 'Giá trị không khớp với giá trị cố định hoặc mẫu của hồ sơ'],
    ["Incorrect number of values provided for slice 'ethnicGroup': expected 1..1, but found 0", "Số giá trị của nhóm (slice) 'ethnicGroup' không hợp lệ: cần 1..1, có 0"],
    ['Type of primitive extension does not match the type of property "valueString"', 'Phần mở rộng của giá trị nguyên thủy không cùng kiểu với phần tử "valueString"'],
    ['Conflicting choice of type properties: "valueString", "valueBoolean"', 'Một phần tử lựa chọn kiểu có hai giá trị: "valueString", "valueBoolean"'],
    ['Invalid reference: got "Device", expected "http://hl7.org/fhir/StructureDefinition/Patient"', 'Tham chiếu đến loại tài nguyên không được phép ở đây: "Device"'],
    ['Constraint pat-1 not met: SHALL at least contain a contact\'s details or a reference to an organization', 'Không thỏa ràng buộc pat-1'],
    ['Invalid JSON type: foo is not a valid FHIR type', 'Kiểu JSON không hợp lệ: foo không phải kiểu FHIR'],
    ['Invalid JSON type: expected string, but got number', 'Kiểu JSON không hợp lệ: cần string, nhận được number'],
    ['String must contain non-whitespace content', 'Chuỗi phải có ký tự khác khoảng trắng'],
    ['String cannot be larger than 1 MB', 'Chuỗi không được dài quá 1 MB'],
    ['Invalid date format', 'Giá trị không đúng định dạng date'],
    ['Invalid numeric value', 'Giá trị số không hợp lệ'],
    ['Expected number to be an integer', 'Phải là số nguyên'],
    ['Expected number to be positive', 'Phải là số dương'],
    ['Expected number to be non-negative', 'Không được là số âm'],
  ])('%s → %s', (english, vietnamese) => {
    const issue: OperationOutcomeIssue = { severity: 'error', code: 'structure', details: { text: english }, expression: ['Patient.x'] };
    const text = `${vietnamese} / ${english}`;
    expect(bilingualIssue(issue)).toEqual({ severity: 'error', code: 'structure', diagnostics: text, details: { text }, expression: ['Patient.x'] });
  });

  test('an unknown element and an invariant that cannot be evaluated say what they are, not raw JSON', () => {
    const unknown = bilingualIssue({ severity: 'error', code: 'structure', details: { text: 'Invalid additional property "foo"' } });
    expect(unknown.diagnostics).toBe('Phần tử không có trong định nghĩa: "foo" / Unknown element "foo"');
    const failed = bilingualIssue({ severity: 'error', code: 'processing', details: { text: 'Error evaluating invariant expression' }, diagnostics: '{"fhirpath":"a.b()","error":{}}' });
    expect(failed.diagnostics).toBe('Không tính được biểu thức của ràng buộc / Error evaluating invariant expression: a.b()');
  });

  test('a text no template knows still leads with Vietnamese', () => {
    expect(bilingualIssue({ severity: 'error', code: 'structure', details: { text: 'Something new' } }).diagnostics).toBe(`${FALLBACK} / Something new`);
  });

  describe('on what the validator reports', () => {
    let defs: R4Definitions;
    beforeAll(() => {
      defs = loadR4Definitions();
    });

    test('every issue of a broken resource is bilingual, at its expression; an invariant names its key and description', () => {
      const resource = { resourceType: 'Patient', foo: 1, birthDate: '2020-13-01', contact: [{ gender: 'male' }], gender: ['female'], multipleBirthInteger: 1.5, active: null } as unknown as Resource;
      const issues = validate(resource, defs, noProfiles);
      expect(issues.length).toBeGreaterThanOrEqual(6);
      for (const issue of issues) {
        expect(issue.expression?.length).toBe(1);
        expect(issue.details?.text).toBe(issue.diagnostics);
        expect(issue.diagnostics).toMatch(/^[^/]+ \/ .+/);
        expect(issue.diagnostics).not.toContain(FALLBACK);
        expect(issue.diagnostics).not.toContain('{"fhirpath"');
      }
      expect(issues).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ expression: ['Patient.birthDate'], diagnostics: 'Giá trị không đúng định dạng date / Invalid date format' }),
          expect.objectContaining({ expression: ['Patient.foo'], diagnostics: 'Phần tử không có trong định nghĩa: "foo" / Unknown element "foo"' }),
          expect.objectContaining({
            code: 'invariant',
            expression: ['Patient.contact[0]'],
            diagnostics: "Không thỏa ràng buộc pat-1 / Constraint pat-1 not met: SHALL at least contain a contact's details or a reference to an organization",
          }),
        ]),
      );
    });
  });
});
