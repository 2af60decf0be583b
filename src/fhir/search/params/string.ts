import { clip } from '../../index/tables';
import { badRequest, echoed } from '../../outcomes';
import { exactText, normalizeString } from '../normalize';
import { escapeLike, prefixCondition, type SqlParams } from '../sql';
import { unescapeValue } from '../values';

/**
 * String: matches the start of the value or of any word in it (the index keeps word-start
 * suffixes), ignoring case and diacritics including đ/Đ (search/normalize.ts); `:contains`
 * anywhere; `:exact` the whole value, case and accents included, in Unicode NFC on both sides
 * (normalize.ts canonicalText), so a composed and a decomposed "ễ" are the same letter.
 */
export function stringCondition(raw: string, modifier: string | undefined, p: SqlParams): string {
  const value = unescapeValue(raw);
  const folded = foldedSearchText(raw);
  if (modifier === 'exact') return `(i.value = ${p.add(folded)} AND i.exact = ${p.add(exactText(value))})`;
  if (!folded) throw badRequest('Giá trị tìm kiếm trống', `Empty string value: "${echoed(raw)}"`);
  if (modifier === 'contains') return `i.value LIKE ${p.addRange('%' + escapeLike(folded) + '%')}`;
  return prefixCondition('i.value', folded, p, true);
}

/** A string search value as the index stores its values: unescaped, folded, clipped. */
export function foldedSearchText(raw: string): string {
  return clip(normalizeString(unescapeValue(raw)));
}
