import { clip } from '../../index/tables';
import { badRequest, echoed } from '../../outcomes';
import { escapeLike, type SqlParams } from '../sql';
import { splitToken } from '../values';

/**
 * Token `:below` / `:above` (R4 search.html#modifiers: subsumption) for ICD-10, whose hierarchy is
 * written in its codes: a category (`E11`, three characters) holds its subcategories (`E11.9`),
 * and a subcategory the national extensions under it (`S72.00`). Stations write codes with the dot
 * (Decision 4469/QĐ-BYT); some exports drop it (`E119`), so both spellings are matched. Other code
 * systems need a terminology server for subsumption, and are refused with a 400.
 */
const ICD10_SYSTEMS = new Set(['http://hl7.org/fhir/sid/icd-10', 'http://hl7.org/fhir/sid/icd-10-cm']);

/** A letter, two characters of category, then up to four of subcategory and extension, dot or not. */
const ICD10_CODE = /^([A-Z][0-9][0-9A-Z])\.?([0-9A-Z]{0,4})$/;

/** Index rows (alias i) coded at or below (`below`) or at or above (`above`) the value's code. */
export function subsumptionCondition(raw: string, direction: 'below' | 'above', p: SqlParams): string {
  const [system, code] = splitToken(raw);
  if (system === undefined || !ICD10_SYSTEMS.has(system)) {
    throw badRequest(
      `:${direction} trên mã chỉ hỗ trợ ICD-10, dạng http://hl7.org/fhir/sid/icd-10|E11 (nhận được "${raw}")`,
      `:${direction} on a token is served for ICD-10 codes only, written system|code (e.g. http://hl7.org/fhir/sid/icd-10|E11; got "${raw}"): other code systems need a terminology server`,
    );
  }
  const parts = ICD10_CODE.exec(code.toUpperCase());
  if (!parts) throw badRequest(`Mã ICD-10 không hợp lệ: ${echoed(code)}`, `Not an ICD-10 code: ${echoed(code)}`);
  const [, category, rest] = parts;
  const onSystem = `i.system = ${p.add(clip(system))}`;
  if (direction === 'below') {
    // The category's own code starts every code under it, in either spelling.
    const prefixes = rest ? [`${category}.${rest}`, `${category}${rest}`] : [category];
    return `(${onSystem} AND (${prefixes.map((prefix) => `i.code LIKE ${p.addRange(escapeLike(prefix) + '%')}`).join(' OR ')}))`;
  }
  const codes = [category];
  for (let n = 1; n <= rest.length; n++) codes.push(`${category}.${rest.slice(0, n)}`, `${category}${rest.slice(0, n)}`);
  return `(${onSystem} AND i.code = ANY(${p.add(codes)}::text[]))`;
}
