import { oddCharacter } from './characters';
import { CCCD_PLACE_CODES, type IdProblem } from './cccd';

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

/**
 * Province codes a card may carry: the pre-2025 GSO codes, as cards issued before the 2025 merger
 * stay valid until they expire — the CCCD place codes without their leading 0. The 34 codes of
 * 2025 are all among them (each merged province kept one of its members' codes).
 */
const CARD_PROVINCES: ReadonlySet<string> = new Set([...CCCD_PLACE_CODES.keys()].map((code) => code.slice(1)));

/** The parts of a well-formed card code, or what is wrong with its form. */
export function parseBhyt(value: string): BhytCard | IdProblem {
  const match = PATTERN.exec(value);
  if (match) return { category: match[1], benefitLevel: match[2], province: match[3], number: match[4] };
  return formProblem(value);
}

export const isBhytProblem = (parsed: BhytCard | IdProblem): parsed is IdProblem => 'vi' in parsed;

/** Names the first wrong character (or only the length when every character is of the right kind). */
function formProblem(value: string): IdProblem {
  const odd = oddCharacter(value, { vi: 'Mã thẻ BHYT', en: 'BHYT card code' });
  if (odd) return odd;
  const chars = Array.from(value);
  if (chars.length !== 15) {
    return {
      vi: `Mã thẻ BHYT phải có 15 ký tự: 2 chữ cái in hoa (đối tượng), 1 chữ số mức hưởng 1–5, 2 chữ số tỉnh, 10 chữ số (ví dụ TE1382020893987); mã đã nhập có ${chars.length} ký tự`,
      en: `A BHYT card code is 15 characters: 2 capital letters, a benefit level 1–5, 2 province digits, 10 digits (e.g. TE1382020893987); got ${chars.length}`,
    };
  }
  const head = chars.slice(0, 2).join('');
  if (/^[a-zA-Z]{2}$/.test(head) && head !== head.toUpperCase()) {
    return { vi: `2 chữ cái đầu của mã thẻ BHYT (mã đối tượng) phải viết hoa: ${head.toUpperCase()}, không phải ${head}`, en: `The first 2 letters (category) must be capitals: ${head.toUpperCase()}, not ${head}` };
  }
  const letter = chars.findIndex((c, i) => i < 2 && !/[A-Z]/.test(c));
  if (letter >= 0) {
    return { vi: `Ký tự thứ ${letter + 1} "${chars[letter]}" của mã thẻ BHYT phải là chữ cái in hoa (mã đối tượng)`, en: `Character ${letter + 1} "${chars[letter]}" must be a capital letter (the category)` };
  }
  if (!/[1-5]/.test(chars[2])) {
    return { vi: `Ký tự thứ 3 của mã thẻ BHYT (mức hưởng) phải là chữ số từ 1 đến 5, không phải "${chars[2]}"`, en: `Character 3 (the benefit level) must be a digit 1–5, not "${chars[2]}"` };
  }
  const digit = chars.findIndex((c, i) => i > 2 && !/[0-9]/.test(c));
  return {
    vi: `Ký tự thứ ${digit + 1} "${chars[digit]}" của mã thẻ BHYT phải là chữ số (sau mức hưởng là 2 chữ số tỉnh và 10 chữ số)`,
    en: `Character ${digit + 1} "${chars[digit]}" must be a digit (2 province digits and 10 digits follow the benefit level)`,
  };
}

/** The card's holder, when known: the children's category TE is checked against the age on `on` (YYYY-MM-DD). */
export interface BhytHolder {
  birthDate?: string;
  on: string;
}

/**
 * Every problem with a card code: its form, then a category not in `isCategory`'s list, a province
 * code that does not exist, and a children's card (TE, under 6) for a holder older than that.
 * A TE card is valid until the child is 72 months old, or until 30 September of that year when
 * that is later (Law on Health Insurance, art. 16): only a holder past both is refused.
 */
export function checkBhyt(value: string, isCategory: (code: string) => boolean, holder?: BhytHolder): IdProblem[] {
  const card = parseBhyt(value);
  if (isBhytProblem(card)) return [card];
  const problems: IdProblem[] = [];
  if (!isCategory(card.category)) {
    problems.push({ vi: `Mã đối tượng "${card.category}" (2 chữ cái đầu của mã thẻ BHYT) không có trong danh mục đối tượng BHYT: hãy kiểm tra lại thẻ`, en: `Category "${card.category}" (the card code's first 2 letters) is not a BHYT beneficiary category` });
  }
  if (!CARD_PROVINCES.has(card.province)) {
    problems.push({ vi: `Mã tỉnh "${card.province}" (ký tự thứ 4–5 của mã thẻ BHYT) không phải mã tỉnh/thành nào: hãy kiểm tra lại thẻ`, en: `Province code "${card.province}" (characters 4–5 of the card code) is not a province` });
  }
  const birth = holder?.birthDate && latestDay(holder.birthDate);
  if (card.category === 'TE' && holder && birth) {
    const sixth = `${Number(birth.slice(0, 4)) + 6}${birth.slice(4)}`;
    if (holder.on >= sixth && holder.on > `${sixth.slice(0, 4)}-09-30`) {
      problems.push({ vi: `Thẻ đối tượng TE chỉ dành cho trẻ dưới 6 tuổi, nhưng người sinh ngày ${birth} đã đủ 6 tuổi vào ${sixth}: hãy kiểm tra mã thẻ hoặc ngày sinh`, en: `A TE card is for children under 6; someone born on ${birth} turned 6 on ${sixth}; check the card code or the birth date` });
    }
  }
  return problems;
}

/** The latest day a partial FHIR date can mean (1980 → 1980-12-31, 1980-05 → 1980-05-31): a plain string comparison then errs towards the holder. */
const latestDay = (date: string): string => (date.length === 4 ? `${date}-12-31` : date.length === 7 ? `${date}-31` : date.slice(0, 10));
