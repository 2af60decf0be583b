import { oddCharacter } from './characters';

/**
 * The 12-digit personal identification number (số định danh cá nhân, printed on the CCCD card):
 * Decree 137/2015/NĐ-CP art. 7 and Circular 07/2016/TT-BCA (kept by the 2023 Law on Identification):
 *   digits 1–3  code of the province where the birth was registered (list below),
 *   digit 4     century and sex: 1900s 0 male / 1 female, 2000s 2 / 3, 2100s 4 / 5, 2200s 6 / 7, 2300s 8 / 9,
 *   digits 5–6  last two digits of the year of birth,
 *   digits 7–12 a random number.
 */

/** Birth-registration place codes (Circular 07/2016/TT-BCA): "0" + the pre-2025 GSO province code. */
export const CCCD_PLACE_CODES: ReadonlyMap<string, string> = new Map([
  ['001', 'Hà Nội'], ['002', 'Hà Giang'], ['004', 'Cao Bằng'], ['006', 'Bắc Kạn'], ['008', 'Tuyên Quang'], ['010', 'Lào Cai'],
  ['011', 'Điện Biên'], ['012', 'Lai Châu'], ['014', 'Sơn La'], ['015', 'Yên Bái'], ['017', 'Hòa Bình'], ['019', 'Thái Nguyên'],
  ['020', 'Lạng Sơn'], ['022', 'Quảng Ninh'], ['024', 'Bắc Giang'], ['025', 'Phú Thọ'], ['026', 'Vĩnh Phúc'], ['027', 'Bắc Ninh'],
  ['030', 'Hải Dương'], ['031', 'Hải Phòng'], ['033', 'Hưng Yên'], ['034', 'Thái Bình'], ['035', 'Hà Nam'], ['036', 'Nam Định'],
  ['037', 'Ninh Bình'], ['038', 'Thanh Hóa'], ['040', 'Nghệ An'], ['042', 'Hà Tĩnh'], ['044', 'Quảng Bình'], ['045', 'Quảng Trị'],
  ['046', 'Thừa Thiên Huế'], ['048', 'Đà Nẵng'], ['049', 'Quảng Nam'], ['051', 'Quảng Ngãi'], ['052', 'Bình Định'], ['054', 'Phú Yên'],
  ['056', 'Khánh Hòa'], ['058', 'Ninh Thuận'], ['060', 'Bình Thuận'], ['062', 'Kon Tum'], ['064', 'Gia Lai'], ['066', 'Đắk Lắk'],
  ['067', 'Đắk Nông'], ['068', 'Lâm Đồng'], ['070', 'Bình Phước'], ['072', 'Tây Ninh'], ['074', 'Bình Dương'], ['075', 'Đồng Nai'],
  ['077', 'Bà Rịa - Vũng Tàu'], ['079', 'Hồ Chí Minh'], ['080', 'Long An'], ['082', 'Tiền Giang'], ['083', 'Bến Tre'], ['084', 'Trà Vinh'],
  ['086', 'Vĩnh Long'], ['087', 'Đồng Tháp'], ['089', 'An Giang'], ['091', 'Kiên Giang'], ['092', 'Cần Thơ'], ['093', 'Hậu Giang'],
  ['094', 'Sóc Trăng'], ['095', 'Bạc Liêu'], ['096', 'Cà Mau'],
]);

export interface IdProblem {
  vi: string;
  en: string;
}

export type BirthSex = 'male' | 'female';

/** The century/sex digit for a birth year and sex. */
export function centurySexDigit(year: number, sex: BirthSex): number {
  const century = Math.floor(year / 100) - 19; // 1900s → 0, 2000s → 1, …
  return century * 2 + (sex === 'female' ? 1 : 0);
}

/** Problems with a personal ID number; empty when valid (and consistent with what is known). */
export function checkCccd(value: string, birthDate?: string, gender?: string): IdProblem[] {
  if (!/^[0-9]{12}$/.test(value)) return [formProblem(value)];
  const problems: IdProblem[] = [];
  const place = value.slice(0, 3);
  if (!CCCD_PLACE_CODES.has(place)) {
    problems.push({ vi: `3 chữ số đầu của CCCD (${place}) không phải mã tỉnh nơi đăng ký khai sinh`, en: `The first 3 digits (${place}) are not a birth-registration province code` });
  }
  const year = birthDate ? Number(birthDate.slice(0, 4)) : undefined;
  // The scheme covers births from 1900 to 2399 only.
  if (year === undefined || year < 1900 || year > 2399) return problems;
  if (value.slice(4, 6) !== String(year % 100).padStart(2, '0')) {
    problems.push({
      vi: `Chữ số thứ 5–6 của CCCD (${value.slice(4, 6)}) phải là hai số cuối năm sinh ${year}: hãy kiểm tra số CCCD hoặc ngày sinh`,
      en: `Digits 5–6 (${value.slice(4, 6)}) must be the last two digits of the birth year ${year}`,
    });
  }
  const digit = Number(value[3]);
  if (gender === 'male' || gender === 'female') {
    const expected = centurySexDigit(year, gender);
    if (digit !== expected) problems.push(centuryProblem(digit, expected, year, gender));
  } else if (Math.floor(digit / 2) !== Math.floor(year / 100) - 19) {
    problems.push(centuryProblem(digit, centurySexDigit(year, 'male'), year));
  }
  return problems;
}

/** What is wrong with a value that is not 12 digits: an odd character, another character, or only the length. */
function formProblem(value: string): IdProblem {
  const odd = oddCharacter(value, { vi: 'Số định danh cá nhân (CCCD)', en: 'personal ID (CCCD)' });
  if (odd) return odd;
  const chars = Array.from(value);
  const other = chars.findIndex((c) => !/[0-9]/.test(c));
  if (other >= 0) {
    return {
      vi: `Ký tự "${chars[other]}" ở vị trí ${other + 1} không phải chữ số: số định danh cá nhân (CCCD) chỉ gồm 12 chữ số`,
      en: `The character "${chars[other]}" at position ${other + 1} is not a digit; a personal ID (CCCD) is 12 digits`,
    };
  }
  return { vi: `Số định danh cá nhân (CCCD) phải gồm đúng 12 chữ số; số đã nhập có ${chars.length} chữ số`, en: `A personal ID (CCCD) has exactly 12 digits; got ${chars.length}` };
}

function centuryProblem(digit: number, expected: number, year: number, sex?: BirthSex): IdProblem {
  const sexVi = sex === undefined ? '' : sex === 'male' ? ', nam' : ', nữ';
  const want = sex === undefined ? `${expected} hoặc ${expected + 1}` : String(expected);
  return {
    vi: `Chữ số thứ 4 của CCCD là ${digit} nhưng người sinh năm ${year}${sexVi} phải có ${want}: hãy kiểm tra số CCCD, ngày sinh hoặc giới tính`,
    en: `Digit 4 is ${digit}, but someone born in ${year}${sex ? ` (${sex})` : ''} has ${sex ? expected : `${expected} or ${expected + 1}`}; check the ID, birth date or sex`,
  };
}
