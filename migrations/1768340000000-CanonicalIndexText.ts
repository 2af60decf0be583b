import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Index text compared as written is kept in Unicode NFC (src/fhir/search/normalize.ts
 * canonicalText): a string's `exact` text, a token's system and code, and the composite keys that
 * hold a token code in `param` (`code-value-quantity$<code>`, src/fhir/index/composite.ts). Rows
 * written before kept the text as it arrived, so a name or an identifier typed with decomposed
 * Vietnamese letters (e + U+0302 + U+0303 for "ễ") would not be found by the NFC queries now bound.
 * They are rewritten here with PostgreSQL's own `normalize(…, NFC)` (PGlite has it too), only the
 * rows that are not NFC already: an ASCII value is NFC, so most rows are read and left.
 *
 * Parameter codes are ASCII, so only a composite key can change in `param`; folded string values
 * (`value`) and token display text are folded through NFD on both sides already and stay as they
 * are. A row set's rows (src/fhir/index/row-sets.ts) change in place under their set id, a hash of
 * what they held: a later event with the same rows hashes them anew and stores a set of its own,
 * which only costs its rows. A value longer than the 512 characters kept was cut before it was
 * composed; `npm run reindex` writes such rows exactly as a new write would.
 *
 * `normalize` needs a UTF8 database; on another encoding nothing is done here and `npm run
 * reindex` rewrites the rows instead (docs/search.md).
 */
const TABLES: readonly [string, readonly string[]][] = [
  ['idx_string', ['param', 'exact']],
  ['idx_token', ['param', 'system', 'code']],
  ['idx_date', ['param']],
  ['idx_number', ['param']],
  ['idx_quantity', ['param']],
  ['idx_reference', ['param']],
  ['idx_uri', ['param']],
];

export class CanonicalIndexText1768340000000 implements MigrationInterface {
  name = 'CanonicalIndexText1768340000000';

  async up(q: QueryRunner): Promise<void> {
    const [{ encoding }]: { encoding: string }[] = await q.query(`SELECT current_setting('server_encoding') AS encoding`);
    if (encoding !== 'UTF8') return;
    for (const [table, columns] of TABLES) {
      const set = columns.map((c) => `${c} = normalize(${c}, NFC)`).join(', ');
      const changed = columns.map((c) => `${c} IS NOT NFC NORMALIZED`).join(' OR ');
      await q.query(`UPDATE ${table} SET ${set} WHERE ${changed}`);
    }
  }

  async down(): Promise<void> {
    // Nothing to undo: NFC rows are what every write stores, and the text they stand for is the same.
  }
}
