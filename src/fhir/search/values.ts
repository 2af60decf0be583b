/**
 * Splitting search values per the FHIR escaping rules: `,` separates ORed values, `$` the parts
 * of a composite, `|` system and code; a backslash escapes each of them (`\,` `\$` `\|` `\\`).
 */

/** Splits `value` on unescaped `separator`, keeping escapes in the pieces. */
export function splitEscaped(value: string, separator: string): string[] {
  const out: string[] = [];
  let current = '';
  for (let i = 0; i < value.length; i++) {
    const ch = value[i];
    if (ch === '\\' && i + 1 < value.length) {
      current += ch + value[++i];
    } else if (ch === separator) {
      out.push(current);
      current = '';
    } else current += ch;
  }
  out.push(current);
  return out;
}

/** Removes the backslash escapes. */
export function unescapeValue(value: string): string {
  return value.replace(/\\(.)/g, '$1');
}

/**
 * Splits on unescaped commas; empty values are dropped. The pieces keep their other escapes,
 * which each parameter type resolves when it splits further (`|`, `$`).
 */
export function splitValues(value: string): string[] {
  return splitEscaped(value, ',').filter((v) => v !== '');
}

/**
 * `system|code` → [system, code]; `code` → [undefined, code]. The first unescaped bar splits
 * (a code may contain an escaped one).
 */
export function splitToken(value: string): [string | undefined, string] {
  const parts = splitEscaped(value, '|');
  if (parts.length === 1) return [undefined, unescapeValue(parts[0])];
  return [unescapeValue(parts[0]), unescapeValue(parts.slice(1).join('|'))];
}

/** Escapes a literal so it reads back as one value (the inverse of unescapeValue). */
export function escapeValue(value: string): string {
  return value.replace(/[\\,$|]/g, (c) => '\\' + c);
}
