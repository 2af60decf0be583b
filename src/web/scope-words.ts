import type { Action } from '../fhir/access';
import { parseScopes } from '../auth/scopes';

/**
 * What a resident's app is being given, in words a resident reads on the sign-in page — not
 * `patient/*.rs offline_access`. Built from the scope the app will really get (after narrowing to
 * its registration and to what residents may have), so the page never promises more or less.
 */
export function scopeWords(scope: string): string[] {
  const tokens = new Set(scope.split(/\s+/).filter(Boolean));
  const rules = parseScopes(scope).filter((r) => r.context === 'patient');
  const typesFor = (actions: Action[]): string[] => [...new Set(rules.filter((r) => actions.some((a) => r.actions.has(a))).map((r) => r.type))];
  const words: string[] = [];
  const read = typesFor(['r', 's']);
  if (read.length) words.push(`Xem ${subject(read)}`);
  const write = typesFor(['c', 'u']);
  if (write.length) words.push(`Ghi thêm và sửa: ${subject(write)}`);
  const remove = typesFor(['d']);
  if (remove.length) words.push(`Xóa: ${subject(remove)}`);
  if (tokens.has('openid') || tokens.has('fhirUser')) words.push('Biết bạn là ai (họ tên trong hồ sơ)');
  if (tokens.has('offline_access')) words.push('Giữ đăng nhập, không cần nhập lại mật khẩu mỗi lần mở ứng dụng');
  return words;
}

/** Resource types as a resident knows them; a type without a name here shows as its FHIR name. */
const TYPE_WORDS: Readonly<Record<string, string>> = {
  Patient: 'thông tin cá nhân',
  Observation: 'chỉ số sức khỏe (huyết áp, cân nặng, đường huyết…)',
  Condition: 'chẩn đoán',
  Encounter: 'các lần khám',
  Immunization: 'tiêm chủng',
  MedicationRequest: 'đơn thuốc',
  MedicationStatement: 'thuốc đang dùng',
  AllergyIntolerance: 'dị ứng',
  Appointment: 'lịch khám',
  Communication: 'tin nhắn với trạm',
  QuestionnaireResponse: 'phiếu trả lời',
  DocumentReference: 'giấy tờ, kết quả khám',
  Media: 'ảnh',
  AuditEvent: 'nhật ký ai đã xem hồ sơ của bạn',
  Coverage: 'thẻ bảo hiểm y tế',
};

function subject(types: string[]): string {
  if (types.includes('*')) return 'toàn bộ hồ sơ sức khỏe của bạn';
  return types.map((t) => TYPE_WORDS[t] ?? t).join('; ');
}
