import type { IdProblem } from './cccd';

/**
 * The 15-character health-insurance card code (mã thẻ BHYT, Decision 1351/QĐ-BHXH):
 * 2 letters beneficiary category, 1 digit benefit level 1–5, 2 digits province, 10-digit
 * social-insurance number. E.g. TE1202020893987.
 */
export interface BhytCard {
  category: string;
  benefitLevel: string;
  province: string;
  number: string;
}

const PATTERN = /^([A-Z]{2})([1-5])(\d{2})(\d{10})$/;

/** The parts of a well-formed card code, or the problem with it. */
export function parseBhyt(value: string): BhytCard | IdProblem {
  const match = PATTERN.exec(value);
  if (match) return { category: match[1], benefitLevel: match[2], province: match[3], number: match[4] };
  return {
    vi: `Mã thẻ BHYT phải có 15 ký tự: 2 chữ cái in hoa (đối tượng), 1 chữ số mức hưởng 1–5, 2 chữ số tỉnh, 10 chữ số (ví dụ TE1382020893987); mã đã nhập có ${value.length} ký tự`,
    en: `A BHYT card code is 15 characters: 2 capital letters, a benefit level 1–5, 2 province digits, 10 digits (e.g. TE1382020893987); got ${value.length}`,
  };
}

export const isBhytProblem = (parsed: BhytCard | IdProblem): parsed is IdProblem => 'vi' in parsed;
