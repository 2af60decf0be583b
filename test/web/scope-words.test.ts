import { residentScope } from '../../src/auth/oauth-model';
import { scopeWords } from '../../src/web/scope-words';

test('the sign-in page says in Vietnamese what a resident’s app will get, not the scope codes', () => {
  expect(scopeWords('launch/patient openid fhirUser offline_access patient/*.rs')).toEqual([
    'Xem toàn bộ hồ sơ sức khỏe của bạn',
    'Biết bạn là ai (họ tên trong hồ sơ)',
    'Giữ đăng nhập, không cần nhập lại mật khẩu mỗi lần mở ứng dụng',
  ]);
  expect(scopeWords('patient/Observation.rs patient/Immunization.rs patient/Observation.cu patient/Appointment.cud')).toEqual([
    'Xem chỉ số sức khỏe (huyết áp, cân nặng, đường huyết…); tiêm chủng',
    'Ghi thêm và sửa: chỉ số sức khỏe (huyết áp, cân nặng, đường huyết…); lịch khám',
    'Xóa: lịch khám',
  ]);
  // A type without a Vietnamese name is shown by its FHIR name rather than dropped.
  expect(scopeWords('patient/Basic.rs')).toEqual(['Xem Basic']);
  // The system and user contexts are never a resident's; nothing to say about them.
  expect(scopeWords('system/*.rs')).toEqual([]);
});

test('the words follow the scope the app will really get: a wildcard write becomes the resident’s own writes', () => {
  const granted = residentScope('launch/patient openid patient/*.cruds', 'launch/patient openid fhirUser offline_access patient/*.cruds');
  const words = scopeWords(granted);
  expect(words[0]).toBe('Xem toàn bộ hồ sơ sức khỏe của bạn');
  expect(words[1]).toMatch(/^Ghi thêm và sửa: .*chỉ số sức khỏe.*lịch khám/);
  expect(words[1]).not.toContain('toàn bộ');
  expect(words).not.toContain('Giữ đăng nhập, không cần nhập lại mật khẩu mỗi lần mở ứng dụng');
});
