/**
 * Just enough UCUM to compare quantities written with different decimal prefixes: a unit is
 * `[prefix]base` or `[prefix]base/[prefix]base`, for the bases clinics use (g, L, mol, eq, m, IU).
 * Its canonical form drops the prefixes ("mg/dL" → "g/L" with factor 0.01). Anything else
 * (mm[Hg], /min, %) is already canonical for our purposes and is left alone.
 */

export const UCUM = 'http://unitsofmeasure.org';

/** Index rows in canonical units are kept under `param` + this suffix. */
export const CANONICAL_SUFFIX = ':canonical';

const PREFIXES: Record<string, number> = { '': 0, k: 3, h: 2, da: 1, d: -1, c: -2, m: -3, u: -6, n: -9, p: -12, f: -15 };
const BASES = new Set(['g', 'L', 'l', 'mol', 'eq', 'm', '[IU]', '[iU]']);

interface Simple {
  base: string;
  exponent: number;
}

function parseSimple(unit: string): Simple | undefined {
  if (BASES.has(unit)) return { base: unit === 'l' ? 'L' : unit, exponent: 0 };
  for (const [prefix, exponent] of Object.entries(PREFIXES)) {
    if (!prefix || !unit.startsWith(prefix)) continue;
    const base = unit.slice(prefix.length);
    if (BASES.has(base)) return { base: base === 'l' ? 'L' : base, exponent };
  }
  return undefined;
}

/** The value in the canonical unit, or undefined when the unit is not one we convert. */
export function canonicalQuantity(value: number, system: string | null, code: string | null): { value: number; code: string } | undefined {
  if (system !== UCUM || !code) return undefined;
  const [top, bottom, extra] = code.split('/');
  if (extra !== undefined) return undefined;
  const t = parseSimple(top);
  if (!t) return undefined;
  let exponent = t.exponent;
  let unit = t.base;
  if (bottom !== undefined) {
    const b = parseSimple(bottom);
    if (!b) return undefined;
    exponent -= b.exponent;
    unit += '/' + b.base;
  }
  // Rounded to 15 significant digits so 5000 mg is exactly 5 g, not 4.999999999999999.
  return { value: Number((value * 10 ** exponent).toPrecision(15)), code: unit };
}
