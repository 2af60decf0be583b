import type { OperationOutcomeIssue } from '@medplum/fhirtypes';
import { bilingual } from '../outcomes';
import { unknownElementText } from './inherited-keys';

/**
 * @medplum/core's validator words its issues in English only, in details.text, without diagnostics
 * (or, for an invariant, with its FHIRPath as raw JSON). The project's texts are Vietnamese first,
 * then English (outcomes.ts), so each message template of its validator (typeschema/validation.ts
 * and getDataType of @medplum/core 4.5) is mapped to a Vietnamese text, its English kept; a text no
 * template matches (a later version's) still leads with Vietnamese. The text goes to diagnostics
 * and to details.text, whose Vietnamese half the web client shows.
 */
type Template = readonly [RegExp, (...parts: string[]) => string];

const TEMPLATES: readonly Template[] = [
  [/^Missing resource type$/, () => 'Thiếu resourceType'],
  [/^Unknown data type: (.*)$/s, (type) => `Kiểu dữ liệu không xác định: ${type}`],
  [/^Missing required property$/, () => 'Thiếu phần tử bắt buộc'],
  [/^Invalid empty value$/, () => 'Giá trị rỗng'],
  [/^Invalid empty non-primitive value$/, () => 'Phần tử rỗng, không có nội dung'],
  [/^Invalid null value$/, () => 'Giá trị null'],
  [/^Invalid undefined value$/, () => 'Mảng có phần tử trống'],
  [/^Expected array of values for property$/, () => 'Phần tử này phải là một mảng'],
  [/^Expected single value for property$/, () => 'Phần tử này chỉ nhận một giá trị, không phải mảng'],
  [/^Invalid number of values: expected (\S+), but found (\d+)$/, (range, found) => `Số giá trị không hợp lệ: cần ${range}, có ${found}`],
  [/^Value did not match expected pattern$/, () => 'Giá trị không khớp với giá trị cố định hoặc mẫu của hồ sơ'],
  [
    /^Incorrect number of values provided for slice '(.*)': expected (\S+), but found (\d+)$/s,
    (slice, range, found) => `Số giá trị của nhóm (slice) '${slice}' không hợp lệ: cần ${range}, có ${found}`,
  ],
  [/^Type of primitive extension does not match the type of property "(.*)"$/s, (name) => `Phần mở rộng của giá trị nguyên thủy không cùng kiểu với phần tử "${name}"`],
  [/^Conflicting choice of type properties: "(.*)", "(.*)"$/s, (a, b) => `Một phần tử lựa chọn kiểu có hai giá trị: "${a}", "${b}"`],
  [/^Invalid reference: got "(.*)", expected (.*)$/s, (type) => `Tham chiếu đến loại tài nguyên không được phép ở đây: "${type}"`],
  [/^Constraint (\S+) not met: /, (key) => `Không thỏa ràng buộc ${key}`],
  [/^Error evaluating invariant expression(?:: .*)?$/s, () => 'Không tính được biểu thức của ràng buộc'],
  [/^Invalid JSON type: (\S+) is not a valid FHIR type$/, (type) => `Kiểu JSON không hợp lệ: ${type} không phải kiểu FHIR`],
  [/^Invalid JSON type: expected (\S+), but got (\S+)$/, (expected, got) => `Kiểu JSON không hợp lệ: cần ${expected}, nhận được ${got}`],
  [/^String must contain non-whitespace content$/, () => 'Chuỗi phải có ký tự khác khoảng trắng'],
  [/^String cannot be larger than 1 MB$/, () => 'Chuỗi không được dài quá 1 MB'],
  [/^Invalid (\S+) format$/, (type) => `Giá trị không đúng định dạng ${type}`],
  [/^Invalid numeric value$/, () => 'Giá trị số không hợp lệ'],
  [/^Expected number to be an integer$/, () => 'Phải là số nguyên'],
  [/^Expected number to be positive$/, () => 'Phải là số dương'],
  [/^Expected number to be non-negative$/, () => 'Không được là số âm'],
];

/** What a text no template knows still says in Vietnamese. */
const FALLBACK = 'Tài nguyên không hợp lệ theo định nghĩa FHIR R4';

/** The issue with a bilingual text in diagnostics and details.text; its code, severity and expression kept. */
export function bilingualIssue(issue: OperationOutcomeIssue): OperationOutcomeIssue {
  const english = issue.details?.text ?? issue.diagnostics ?? '';
  const text = translate(english, issue.diagnostics);
  return { ...issue, diagnostics: text, details: { ...issue.details, text } };
}

function translate(english: string, diagnostics: string | undefined): string {
  const unknown = /^Invalid additional property "(.*)"$/s.exec(english);
  if (unknown) return unknownElementText(unknown[1]);
  // Its diagnostics is JSON holding the expression (and an error that serialises as {}).
  if (english === 'Error evaluating invariant expression') english += `: ${fhirPathOf(diagnostics)}`;
  for (const [pattern, vietnamese] of TEMPLATES) {
    const m = pattern.exec(english);
    if (m) return bilingual(vietnamese(...m.slice(1)), english);
  }
  return bilingual(FALLBACK, english);
}

function fhirPathOf(diagnostics: string | undefined): string {
  try {
    const parsed: unknown = JSON.parse(diagnostics ?? '');
    const fhirpath = (parsed as { fhirpath?: unknown } | null)?.fhirpath;
    return typeof fhirpath === 'string' ? fhirpath : '';
  } catch {
    return '';
  }
}
