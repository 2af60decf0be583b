import type { IdProblem } from './cccd';

/**
 * Characters that look right on screen but are not what a card code is made of: white space, and
 * digits other than 0–9 (Arabic-Indic, full-width… from another keyboard or a pasted text). A
 * message about the length or the pattern would hide them, so they are named first, with their
 * position (1-based, as the user counts).
 */
export function oddCharacter(value: string, label: { vi: string; en: string }): IdProblem | undefined {
  const chars = Array.from(value);
  const space = chars.findIndex((c) => /\s/u.test(c));
  if (space >= 0) {
    return { vi: `${label.vi} có khoảng trắng ở vị trí ${space + 1}: hãy bỏ mọi dấu cách`, en: `The ${label.en} has a space at position ${space + 1}; remove all spaces` };
  }
  const digit = chars.findIndex((c) => /\p{Nd}/u.test(c) && !/[0-9]/.test(c));
  if (digit >= 0) {
    const code = `U+${chars[digit].codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;
    return {
      vi: `${label.vi} có chữ số "${chars[digit]}" (${code}) ở vị trí ${digit + 1} không phải chữ số 0–9 thông thường: hãy gõ lại bằng bàn phím số`,
      en: `The ${label.en} has the digit "${chars[digit]}" (${code}) at position ${digit + 1}, which is not one of 0–9; type it again with ordinary digits`,
    };
  }
  return undefined;
}
