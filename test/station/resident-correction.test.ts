import type { Patient } from '@medplum/fhirtypes';
import { HA_SON } from '../../src/station/config';
import { residentCorrectionCheck } from '../../src/station/rules/resident-correction';
import { resident } from './examples';

// The check of corrections searches a resident's records, in the write's transaction: it must apply
// only to an update that changes the birth date or the sex. A registration (no previous version)
// that it applied to would be taken out of group commit; an edit of a name would pay the searches.
const check = residentCorrectionCheck(HA_SON, 'Asia/Ho_Chi_Minh');
const stored = { ...structuredClone(resident), id: 'p-1' } as Patient;

test('a registration, and an update that keeps the birth date and the sex, are left alone', () => {
  expect(check.appliesTo(stored)).toBe(false);
  expect(check.appliesTo({ ...stored, name: [{ text: 'Nguyễn Thị Hoa Lan' }] }, stored)).toBe(false);
});

test('an update that changes the birth date or the sex is checked', () => {
  expect(check.appliesTo({ ...stored, birthDate: '1986-03-12' }, stored)).toBe(true);
  expect(check.appliesTo({ ...stored, gender: 'male' }, stored)).toBe(true);
});

test('a birth date or sex removed leaves nothing to check against', () => {
  const { birthDate: _b, gender: _g, ...without } = stored;
  expect(check.appliesTo(without as Patient, stored)).toBe(false);
});
