import { jsonErrorPlace, jsonTooDeep, MAX_JSON_DEPTH, withoutBom } from '../../src/http/json-text';

// src/http/json-text.ts — the depth limit and the place of a syntax error, found without recursion
// a body can drive and without quoting the body.
describe('jsonTooDeep', () => {
  const nest = (depth: number, open = '[', close = ']'): string => open.repeat(depth) + close.repeat(depth);

  test('counts objects and arrays alike, up to MAX_JSON_DEPTH', () => {
    expect(jsonTooDeep(nest(MAX_JSON_DEPTH))).toBe(false);
    expect(jsonTooDeep(nest(MAX_JSON_DEPTH + 1))).toBe(true);
    const objects = (depth: number): string => `${'{"a":'.repeat(depth - 1)}{}${'}'.repeat(depth - 1)}`;
    expect(jsonTooDeep(objects(MAX_JSON_DEPTH))).toBe(false);
    expect(jsonTooDeep(objects(MAX_JSON_DEPTH + 1))).toBe(true);
    expect(jsonTooDeep(`[${nest(MAX_JSON_DEPTH)}]`)).toBe(true);
  });

  test('brackets inside strings do not count, escaped quotes included', () => {
    expect(jsonTooDeep(`["${'['.repeat(500)}"]`)).toBe(false);
    expect(jsonTooDeep(`["\\"${'['.repeat(500)}"]`)).toBe(false);
    // An even run of backslashes escapes itself: the quote ends the string, the brackets count.
    expect(jsonTooDeep(`["\\\\"${'['.repeat(500)}`)).toBe(true);
  });

  test('a million levels are scanned without a stack', () => {
    expect(jsonTooDeep(nest(1_000_000))).toBe(true);
  });
});

describe('jsonErrorPlace', () => {
  test.each([
    ['{"a":1}', undefined],
    ['{"a":1,}', { position: 7, line: 1, column: 8, atEnd: false }],
    ['[1,2', { position: 4, line: 1, column: 5, atEnd: true }],
    ['{"a"\n:\n 1 1}', { position: 10, line: 3, column: 4, atEnd: false }],
    ['{"a":"\\x"}', { position: 7, line: 1, column: 8, atEnd: false }],
    ['{"a":"\\u12G4"}', { position: 10, line: 1, column: 11, atEnd: false }],
    ['"a\u0001"', { position: 2, line: 1, column: 3, atEnd: false }],
    ['{a:1}', { position: 1, line: 1, column: 2, atEnd: false }],
    ['[01]', { position: 2, line: 1, column: 3, atEnd: false }],
    ['{"a":1}\n  x', { position: 10, line: 2, column: 3, atEnd: false }],
    ['tru', { position: 3, line: 1, column: 4, atEnd: true }],
    ['', { position: 0, line: 1, column: 1, atEnd: true }],
  ])('%j', (text, place) => {
    expect(jsonErrorPlace(text)).toEqual(place);
    // Where JSON.parse agrees the text is JSON, so does this.
    let parsed = true;
    try {
      JSON.parse(text);
    } catch {
      parsed = false;
    }
    expect(place === undefined).toBe(parsed);
  });
});

test('withoutBom drops a UTF-8 byte order mark and nothing else', () => {
  expect(withoutBom(Buffer.from('\ufeff{}')).toString()).toBe('{}');
  expect(withoutBom(Buffer.from('{}')).toString()).toBe('{}');
});
