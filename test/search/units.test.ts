import type { Bundle } from '@medplum/fhirtypes';
import { membersFor, splitUnion } from '../../src/fhir/index/expressions';
import { canonicalQuantity, UCUM } from '../../src/fhir/index/ucum';
import { decodeCursor, encodeCursor } from '../../src/fhir/search/cursor';
import { dateRange } from '../../src/fhir/search/dates';
import { normalizeString } from '../../src/fhir/search/normalize';
import { statementName } from '../../src/fhir/search/prepared';
import { parseStored } from '../../src/fhir/search/stored-json';
import { compactJson } from '../../src/http/response';
import { dateCondition } from '../../src/fhir/search/params/date';
import { stringCondition } from '../../src/fhir/search/params/string';
import { tokenValuesCondition } from '../../src/fhir/search/params/token';
import { prefixUpperBound, SqlParams } from '../../src/fhir/search/sql';
import { splitEscaped, splitToken, splitValues } from '../../src/fhir/search/values';

// The pure pieces of the search engine, without a database.
describe('string folding', () => {
  test.each([
    ['Nguyễn Thị Thư', 'nguyen thi thu'],
    ['ĐẶNG ĐỨC', 'dang duc'],
    ['Trương Ngọc Ánh', 'truong ngoc anh'],
    ['Phạm  Thế\tHiển', 'pham the hien'],
    ['Lưu Hữu Phước', 'luu huu phuoc'],
    ['Ỷ Lan', 'y lan'],
  ])('%s → %s', (input, expected) => {
    expect(normalizeString(input)).toBe(expected);
    expect(normalizeString(input.normalize('NFD'))).toBe(expected); // decomposed input folds the same
  });
});

describe('dates', () => {
  const zone = 'Asia/Ho_Chi_Minh';
  const iso = (t: string): [string, string] => {
    const r = dateRange(t, zone)!;
    return [new Date(r.lo).toISOString(), new Date(r.hi).toISOString()];
  };
  test('each precision is a range, local dates in the station zone', () => {
    expect(iso('2024')).toEqual(['2023-12-31T17:00:00.000Z', '2024-12-31T17:00:00.000Z']);
    expect(iso('2024-02')).toEqual(['2024-01-31T17:00:00.000Z', '2024-02-29T17:00:00.000Z']);
    expect(iso('2024-03-05')).toEqual(['2024-03-04T17:00:00.000Z', '2024-03-05T17:00:00.000Z']);
    expect(iso('2024-03-05T10:15')).toEqual(['2024-03-05T03:15:00.000Z', '2024-03-05T03:16:00.000Z']);
    expect(iso('2024-03-05T10:15:30Z')).toEqual(['2024-03-05T10:15:30.000Z', '2024-03-05T10:15:31.000Z']);
    expect(iso('2024-03-05T10:15:30.5-05:00')).toEqual(['2024-03-05T15:15:30.500Z', '2024-03-05T15:15:30.600Z']);
  });
  test('another zone can be configured', () => {
    const r = dateRange('2024-03-05', 'Europe/Paris')!;
    expect(new Date(r.lo).toISOString()).toBe('2024-03-04T23:00:00.000Z');
  });
  test.each(['2024-13', '2024-02-30', '2023-02-29', '2024-00-10', '24-03-05', '2024-03-05T25:00', '2024-03-05T10', '2024-03-05T10:00:00+25:00', '0000'])('%s is rejected', (t) => {
    expect(dateRange(t, zone)).toBeUndefined();
  });
  test('year 1 and year 9999 stay inside what PostgreSQL stores', () => {
    expect(iso('0001')[0]).toBe('0001-01-01T00:00:00.000Z');
    expect(iso('9999')[1]).toBe('9999-12-31T17:00:00.000Z');
    expect(iso('9999-12-31T23:59:59Z')[1]).toBe('9999-12-31T23:59:59.999Z');
  });
});

const expressionFor = (expression: string, type: string): string | undefined => {
  const members = membersFor(expression, type);
  return members.length ? members.map((m) => m.text).join(' | ') : undefined;
};

describe('search parameter expressions per type', () => {
  test('splitUnion respects parentheses and quotes', () => {
    expect(splitUnion("A.b | (C.d as E) | F.g.where(x = 'a|b')")).toEqual(['A.b', '(C.d as E)', "F.g.where(x = 'a|b')"]);
  });
  test('only the members of the type are kept; Resource. is rewritten; .as() becomes .ofType()', () => {
    expect(expressionFor('AllergyIntolerance.patient | Observation.subject.where(resolve() is Patient)', 'Observation')).toBe('Observation.subject');
    expect(membersFor('Observation.subject.where(resolve() is Patient)', 'Observation')).toEqual([{ text: 'Observation.subject', resolveIs: 'Patient' }]);
    expect(expressionFor('Resource.meta.tag', 'Patient')).toBe('Patient.meta.tag');
    expect(expressionFor('Condition.onset.as(dateTime) | Condition.onset.as(Period)', 'Condition')).toBe('Condition.onset.ofType(dateTime) | Condition.onset.ofType(Period)');
    expect(expressionFor('(Observation.value as Quantity)', 'Observation')).toBe('(Observation.value as Quantity)');
    expect(expressionFor('Encounter.period', 'Observation')).toBeUndefined();
  });
});

describe('UCUM canonical units', () => {
  test.each([
    [5000, 'mg', 5, 'g'],
    [72, 'kg', 72000, 'g'],
    [90, 'mg/dL', 0.9, 'g/L'],
    [5.5, 'mmol/L', 0.0055, 'mol/L'],
    [250, 'mL', 0.25, 'L'],
  ])('%s %s = %s %s', (value, code, canonical, unit) => {
    expect(canonicalQuantity(value, UCUM, code)).toEqual({ value: canonical, code: unit });
  });
  test('units we do not convert, or another system, are left alone', () => {
    expect(canonicalQuantity(120, UCUM, 'mm[Hg]')).toBeUndefined();
    expect(canonicalQuantity(5, 'http://other', 'mg')).toBeUndefined();
  });
});

describe('value syntax', () => {
  test('commas, bars and dollars with escapes', () => {
    expect(splitValues('a,b\\,c,,d')).toEqual(['a', 'b\\,c', 'd']);
    expect(splitToken('http://x|a\\|b')).toEqual(['http://x', 'a|b']);
    expect(splitToken('code')).toEqual([undefined, 'code']);
    expect(splitEscaped('a\\$b$c', '$')).toEqual(['a\\$b', 'c']);
  });
  test('cursors round-trip and reject garbage', () => {
    expect(decodeCursor(encodeCursor({ direction: 'previous', keys: ['2024', 'x'] }))).toEqual({ direction: 'previous', keys: ['2024', 'x'] });
    expect(() => decodeCursor('garbage')).toThrow();
  });
});

describe('prefix ranges', () => {
  test.each([
    ['ngu', 'ngv'],
    ['a z', 'a {'],
    ['sø', 'sù'],
    ['a\u{d7ff}', 'a\u{e000}'],
    ['阮\u{20000}', '阮\u{20001}'],
    ['a\u{10ffff}', 'b'],
  ])('every string starting with %j is below %j', (prefix, bound) => {
    expect(prefixUpperBound(prefix)).toBe(bound);
    // Byte order of the UTF-8 encoding, as COLLATE "C" compares.
    const utf8 = (s: string): Buffer => Buffer.from(s, 'utf8');
    expect(Buffer.compare(utf8(prefix + '\u{10ffff}\u{10ffff}'), utf8(bound))).toBe(-1);
    expect(Buffer.compare(utf8(prefix), utf8(bound))).toBe(-1);
  });

  test('no bound after the highest code points', () => {
    expect(prefixUpperBound('\u{10ffff}')).toBeUndefined();
  });
});

describe('search statement names', () => {
  test('a shape is named from its third use on, by its text', () => {
    const sql = `SELECT ${Math.random()}`;
    expect(statementName(sql)).toBeUndefined();
    expect(statementName(sql)).toBeUndefined();
    const name = statementName(sql);
    expect(name).toMatch(/^search_/);
    expect(statementName(sql)).toBe(name);
    expect(statementName(sql + ' ')).toBeUndefined();
  });

  test('at most 100 shapes are ever named', () => {
    const names = new Set<string>();
    for (let i = 0; i < 150; i++) {
      for (let n = 0; n < 3; n++) {
        const name = statementName(`SELECT ${i} -- cap`);
        if (name) names.add(name);
      }
    }
    expect(names.size).toBeLessThanOrEqual(100);
    expect(names.size).toBeGreaterThan(0);
  });
});

describe('statements planned for their values', () => {
  test('a range or pattern makes the statement value-dependent, an equality does not', () => {
    const build = (condition: (p: SqlParams) => string): boolean => {
      const p = new SqlParams();
      condition(p);
      return p.valueDependent;
    };
    expect(build((p) => tokenValuesCondition(['http://loinc.org|29463-7'], p))).toBe(false);
    expect(build((p) => stringCondition('Nguyễn', 'exact', p))).toBe(false);
    expect(build((p) => stringCondition('ngu', undefined, p))).toBe(true);
    expect(build((p) => stringCondition('uye', 'contains', p))).toBe(true);
    expect(build((p) => dateCondition('ge2024', 'i.lo', 'i.hi', { stationId: 's', timeZone: 'Asia/Ho_Chi_Minh', baseUrl: '' }, p))).toBe(true);
  });
});

describe('answers with stored JSON spliced in', () => {
  test('a resource read from the store is sent as its stored text; everything else is stringified', () => {
    const stored = '{"resourceType": "Patient", "id": "a",  "name": [{"family": "Nguyễn"}]}';
    const patient = parseStored(stored);
    const copy = { ...patient, id: 'b' };
    const body = {
      resourceType: 'Bundle',
      type: 'searchset',
      // A value that looks like the marker is left alone (the marker carries a fresh nonce).
      link: [{ relation: 'self', url: 'x?q=\u00000:0' }],
      entry: [{ resource: patient }, { resource: copy }, { resource: patient }],
    } as Bundle;
    const text = compactJson(body).toString();
    expect(text.split(stored)).toHaveLength(3);
    expect(JSON.parse(text)).toEqual(JSON.parse(JSON.stringify(body)));
    expect(compactJson(copy)).toBe(JSON.stringify(copy));
  });
});
