import { clip } from '../../index/tables';
import { badRequest } from '../../outcomes';
import { normalizeString } from '../normalize';
import { escapeLike, prefixCondition, type SqlParams } from '../sql';
import { unescapeValue } from '../values';

/**
 * String: matches the start of the value or of any word in it (the index keeps word-start
 * suffixes), ignoring case and diacritics including đ/Đ (search/normalize.ts); `:contains`
 * anywhere; `:exact` the whole value, case and accents included.
 */
export function stringCondition(raw: string, modifier: string | undefined, p: SqlParams): string {
  const value = unescapeValue(raw);
  const folded = foldedSearchText(raw);
  if (modifier === 'exact') return `(i.value = ${p.add(folded)} AND i.exact = ${p.add(clip(value))})`;
  if (!folded) throw badRequest('Giá trị tìm kiếm trống', `Empty string value: "${raw}"`);
  if (modifier === 'contains') return `i.value LIKE ${p.addRange('%' + escapeLike(folded) + '%')}`;
  return prefixCondition('i.value', folded, p, true);
}

/** A string search value as the index stores its values: unescaped, folded, clipped. */
export function foldedSearchText(raw: string): string {
  return clip(normalizeString(unescapeValue(raw)));
}
