import { canonicalQuantity } from '../../index/ucum';
import { badRequest, echoed } from '../../outcomes';
import type { SqlParams } from '../sql';
import { splitEscaped, unescapeValue } from '../values';
import { splitPrefix } from './prefix';

const NUMBER = /^[+-]?(\d{1,30}(\.\d{1,30})?|\.\d{1,30})([eE][+-]?\d{1,3})?$/;

/**
 * Number: `eq` matches within the precision of the query ("5.0" is [4.95, 5.05)); the other
 * prefixes compare with the value itself; `ap` is ±10%.
 */
export function numberCondition(raw: string, p: SqlParams): string {
  const [prefix, text] = splitPrefix(unescapeValue(raw));
  return compare(prefix, parseNumber(text, raw), 1, p);
}

/**
 * Quantity: `[prefix]value|system|code` or `value||code` (code or unit). A UCUM unit is turned
 * into its canonical form and compared with the canonical rows (index/ucum.ts), so 5 g finds
 * 5000 mg; `canonical` tells the caller to look under `param:canonical`.
 */
export function quantityCondition(raw: string, p: SqlParams): { sql: string; canonical: boolean } {
  const [prefix, rest] = splitPrefix(raw);
  const [numText, system, code, extra] = splitEscaped(rest, '|').map(unescapeValue);
  if (extra !== undefined) throw badRequest(`Số lượng không hợp lệ: ${echoed(raw)}`, `Invalid quantity: ${echoed(raw)}`);
  const n = parseNumber(numText, raw);
  const conditions: string[] = [];
  const canonical = code ? canonicalQuantity(1, system || null, code) : undefined;
  if (system) conditions.push(`i.system = ${p.add(system)}`);
  if (canonical) conditions.push(`i.code = ${p.add(canonical.code)}`);
  else if (code) conditions.push(`(i.code = ${p.add(code)} OR i.unit = ${p.add(code)})`);
  conditions.unshift(compare(prefix, n, canonical?.value ?? 1, p));
  return { sql: `(${conditions.join(' AND ')})`, canonical: !!canonical };
}

interface ParsedNumber {
  value: number;
  text: string;
  /** Half of the last significant digit: the query's implicit precision. */
  half: number;
}

function parseNumber(text: string, raw: string): ParsedNumber {
  const value = Number(text);
  if (!NUMBER.test(text) || !Number.isFinite(value) || Math.abs(value) > 1e100) throw badRequest(`Số không hợp lệ: ${echoed(raw)}`, `Invalid number: ${echoed(raw)}`);
  const [mantissa, exponent] = text.split(/[eE]/);
  const decimals = (mantissa.split('.')[1]?.length ?? 0) - Number(exponent ?? 0);
  return { value, text, half: 0.5 * 10 ** -decimals };
}

function compare(prefix: string, n: ParsedNumber, factor: number, p: SqlParams): string {
  const num = (x: number): string => `${p.addRange(String(Number((x * factor).toPrecision(15))))}::numeric`;
  switch (prefix) {
    case 'eq':
      return `(i.value >= ${num(n.value - n.half)} AND i.value < ${num(n.value + n.half)})`;
    case 'ne':
      return `NOT (i.value >= ${num(n.value - n.half)} AND i.value < ${num(n.value + n.half)})`;
    case 'gt':
    case 'sa':
      return `i.value > ${num(n.value)}`;
    case 'lt':
    case 'eb':
      return `i.value < ${num(n.value)}`;
    case 'ge':
      return `i.value >= ${num(n.value)}`;
    case 'le':
      return `i.value <= ${num(n.value)}`;
    default: {
      const spread = Math.abs(n.value) * 0.1;
      return `(i.value >= ${num(n.value - spread)} AND i.value <= ${num(n.value + spread)})`;
    }
  }
}
