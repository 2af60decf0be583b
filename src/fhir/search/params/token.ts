import { clip } from '../../index/tables';
import { badRequest, echoed } from '../../outcomes';
import { exactText, normalizeString } from '../normalize';
import { escapeLike, or, type SqlParams } from '../sql';
import { splitEscaped, splitToken, unescapeValue } from '../values';

/**
 * Token: `code`, `system|code`, `|code` (no system), `system|` (any code of the system);
 * `:text` matches the display/text words; `:of-type` is `system|type-code|value` on identifiers.
 * Systems and codes are compared in Unicode NFC, as the index keeps them (normalize.ts canonicalText).
 */
export function tokenCondition(raw: string, p: SqlParams): string {
  const [system, code] = splitToken(raw);
  if (system === undefined) return `i.code = ${p.add(exactText(code))}`;
  if (system === '') return `(i.system IS NULL AND i.code = ${p.add(exactText(code))})`;
  if (code === '') return `i.system = ${p.add(exactText(system))}`;
  return `(i.code = ${p.add(exactText(code))} AND i.system = ${p.add(exactText(system))})`;
}

/** Several values ORed; plain codes become one `= ANY(array)` so long lists stay one index scan. */
export function tokenValuesCondition(values: string[], p: SqlParams): string {
  const plain = values.filter((v) => splitEscaped(v, '|').length === 1).map((v) => exactText(unescapeValue(v)));
  const rest = values.filter((v) => splitEscaped(v, '|').length > 1).map((v) => tokenCondition(v, p));
  if (plain.length > 1) rest.unshift(`i.code = ANY(${p.add(plain)}::text[])`);
  else if (plain.length === 1) rest.unshift(`i.code = ${p.add(plain[0])}`);
  return or(rest);
}

export function tokenTextCondition(raw: string, p: SqlParams): string {
  const folded = escapeLike(clip(normalizeString(unescapeValue(raw))));
  if (!folded) throw badRequest('Giá trị tìm kiếm trống', `Empty :text value: "${echoed(raw)}"`);
  return `(i.text LIKE ${p.addRange(folded + '%')} OR i.text LIKE ${p.addRange('% ' + folded + '%')})`;
}

/** `system|typeCode|value` for :of-type (stored under `param:of-type` with code `typeCode|value`). */
export function ofTypeCondition(raw: string, p: SqlParams): string {
  const parts = splitEscaped(raw, '|').map(unescapeValue);
  if (parts.length !== 3 || !parts[1]) throw badRequest(':of-type cần dạng hệ|mã|giá trị', ':of-type takes system|code|value');
  const system = parts[0] ? `i.system = ${p.add(exactText(parts[0]))}` : 'i.system IS NULL';
  return `(${system} AND i.code = ${p.add(exactText(parts[1] + '|' + parts[2]))})`;
}
