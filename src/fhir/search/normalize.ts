import { clip } from '../index/tables';

/**
 * Folding used for string search, on both the stored value and the query, so they always agree.
 *
 * Lower case, every diacritic removed, and đ/Đ → d: Unicode NFD does not decompose đ (it is its own
 * letter), which is why HAPI's folding misses "Đức" for "duc". Stacked marks (ế = ê + ́) all go,
 * since NFD splits them into separate combining characters. White space collapses to one space.
 */
export function normalizeString(text: string): string {
  return foldByTable(text) ?? foldUnicode(text);
}

/**
 * The one spelling of a text compared as written — `:exact` string text, token systems and codes:
 * Unicode NFC. Vietnamese letters with two marks ("ễ", "ộ") arrive precomposed from some keyboards
 * and decomposed (base letter + combining marks) from others; the index and the query both take
 * this form, so the same characters match whichever way they were typed. Case and marks are kept
 * (that is normalizeString's folding). A text without a code unit from U+0300 up is NFC already
 * (nothing below the combining marks composes or decomposes), which spares ASCII codes the call.
 * Migration 1768340000000 applies the same form (PostgreSQL's `normalize(…, NFC)`) to older rows.
 */
export function canonicalText(text: string): string {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) >= 0x300) return text.normalize('NFC');
  return text;
}

/** A text compared as written (an `:exact` string, a token's system or code) as the index keeps it and a query binds it: NFC, clipped. */
export function exactText(text: string): string {
  return clip(canonicalText(text));
}

/** The definition of the folding, for any text (the table below is built from it). */
export function foldUnicode(text: string): string {
  return text
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[đĐ]/g, 'd')
    .toLowerCase()
    .replace(/\s+/g, ' ')
    .trim();
}

/**
 * Characters whose text folds one by one: ASCII, the precomposed Latin letters (Latin-1, Extended-A
 * and -B, Extended Additional, where Vietnamese's ắ ề ỗ… live) and the combining marks U+0300–U+036F.
 * Each decomposes on its own into a letter and marks of that block, which all go, and lower-casing
 * them needs no context (only Greek's final sigma does), so folding such a text is folding each
 * character. A name folded this way costs a table lookup per character instead of NFD and four
 * regular-expression passes: string folding was a quarter of the CPU of indexing a Patient.
 * test/search/normalize.test.ts holds the table to foldUnicode, character by character and on
 * random texts.
 */
const TABLE_RANGES: readonly [number, number][] = [
  [0x0000, 0x007f],
  [0x00c0, 0x024f],
  [0x0300, 0x036f],
  [0x1e00, 0x1eff],
];

/** Marks ASCII white space in the table (it collapses, so it is not folded like a letter). */
const SPACE = ' ';

const TABLE: (string | undefined)[] = buildTable();

function buildTable(): (string | undefined)[] {
  const table: (string | undefined)[] = new Array(0x1f00).fill(undefined);
  for (const [from, to] of TABLE_RANGES) {
    for (let code = from; code <= to; code++) {
      const ch = String.fromCharCode(code);
      table[code] = /\s/.test(ch) ? SPACE : foldUnicode(ch);
    }
  }
  return table;
}

/** The folding of `text` by the table, or undefined when it holds a character the table lacks. */
export function foldByTable(text: string): string | undefined {
  let out = '';
  let space = false;
  for (let i = 0; i < text.length; i++) {
    const folded = TABLE[text.charCodeAt(i)];
    if (folded === undefined) return undefined;
    if (folded === SPACE) space = true;
    else if (folded !== '') {
      // One space between words, none at either end (marks between spaces vanish first).
      if (space && out !== '') out += ' ';
      space = false;
      out += folded;
    }
  }
  return out;
}
