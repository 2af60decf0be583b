import { MAX_INDEXED_CHARS } from '../../src/fhir/index/tables';
import { canonicalText, exactText, foldByTable, foldUnicode, normalizeString } from '../../src/fhir/search/normalize';
import { conditionKey } from '../../src/fhir/store/repository';

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

// Text compared as written (`:exact`, token codes) is kept and bound in NFC: "ễ" typed composed
// (U+1EC5) and decomposed (e + U+0302 + U+0303) is one letter.
describe('canonical text (NFC)', () => {
  const composed = 'Nguy\u1ec5n \u0110\u1ed9 Th\u1ecb Th\u01b0'; // Nguyễn Độ Thị Thư
  const decomposed = composed.normalize('NFD');

  test('a decomposed Vietnamese text becomes its composed form; a composed one is unchanged', () => {
    expect(decomposed).not.toBe(composed);
    expect(canonicalText(decomposed)).toBe(composed);
    expect(canonicalText(composed)).toBe(composed);
    // Marks in another order that NFC reorders (dot below before circumflex): still "ộ".
    expect(canonicalText('o\u0323\u0302')).toBe('\u1ed9');
  });

  test('case and marks are kept: it is not the folding', () => {
    expect(canonicalText('NGUY\u1ec4N')).toBe('NGUY\u1ec4N');
    expect(canonicalText('Nguye\u0302\u0303n')).not.toBe(canonicalText('Nguyen'));
    expect(canonicalText('\u0111')).toBe('\u0111'); // đ has no decomposition
  });

  test('random texts, ASCII or not, give what String.normalize gives', () => {
    let seed = 54321;
    const next = (n: number): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % n;
    const pool = [...'aeoAEO09 |-', '\u00ea', '\u01a1', '\u1ec5', '\u1ed9', '\u0300', '\u0301', '\u0302', '\u0303', '\u0309', '\u0323', '\u031b', '\u212b', '\u1100', '\u1161'];
    const wrong: string[] = [];
    for (let i = 0; i < 20_000; i++) {
      let text = '';
      for (let k = next(10); k > 0; k--) text += pool[next(pool.length)];
      if (canonicalText(text) !== text.normalize('NFC')) wrong.push(text);
    }
    expect(wrong).toEqual([]);
  });

  test('exact text is clipped after composing, so both forms clip alike', () => {
    const long = '\u1ec5'.repeat(MAX_INDEXED_CHARS);
    expect(exactText(long.normalize('NFD'))).toBe(long);
    expect(exactText(long + 'x')).toBe(long);
  });

  test('a conditional create\'s lock key is the same for both forms', () => {
    const nfc = `identifier=${encodeURIComponent('urn:x|' + composed)}`;
    const nfd = `identifier=${encodeURIComponent('urn:x|' + decomposed)}`;
    expect(conditionKey('Patient', nfd)).toBe(conditionKey('Patient', nfc));
    expect(conditionKey('Patient', `family=${decomposed}&given=a`)).toBe(conditionKey('Patient', `given=a&family=${composed}`));
  });
});
