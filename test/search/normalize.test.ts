import { foldByTable, foldUnicode, normalizeString } from '../../src/fhir/search/normalize';

// The table-driven folding must give exactly what the Unicode definition gives, or fall back to it.
describe('string folding by table', () => {
  test('every character the table holds folds as the definition folds it', () => {
    for (let code = 0; code < 0x1f00; code++) {
      const ch = String.fromCharCode(code);
      const folded = foldByTable(`a${ch}b`);
      if (folded !== undefined) expect([code, folded]).toEqual([code, foldUnicode(`a${ch}b`)]);
    }
  });

  test('Vietnamese letters, upper and lower case, composed or not, are in the table', () => {
    const letters = 'ÀÁẢÃẠĂẰẮẲẴẶÂẦẤẨẪẬĐÈÉẺẼẸÊỀẾỂỄỆÌÍỈĨỊÒÓỎÕỌÔỒỐỔỖỘƠỜỚỞỠỢÙÚỦŨỤƯỪỨỬỮỰỲÝỶỸỴ';
    for (const text of [letters, letters.toLowerCase(), letters.normalize('NFD')]) {
      expect(foldByTable(text)).toBe(foldUnicode(text));
    }
    expect(foldByTable('Đặng Đức')).toBe('dang duc');
  });

  test('random texts fold as the definition folds them, through the table or around it', () => {
    // Deterministic: a small linear congruential generator.
    let seed = 12345;
    const next = (n: number): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % n;
    const pool = [...'aZ \t\n\r\u000b\u000c09.-', ...'ĐđƯươÂêÔăắềỗỹỴİıǅǄẞß', '\u0300', '\u0301', '\u0323', '\u0309', '\u00a0', '\u3000', 'Σ', 'ς', 'ﬁ', '\u1dc0'];
    let viaTable = 0;
    for (let i = 0; i < 20_000; i++) {
      let text = '';
      for (let k = next(12); k > 0; k--) text += pool[next(pool.length)];
      if (foldByTable(text) !== undefined) viaTable++;
      expect([text, normalizeString(text)]).toEqual([text, foldUnicode(text)]);
    }
    expect(viaTable).toBeGreaterThan(1000); // both paths were exercised
  });
});
