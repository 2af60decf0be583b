import fs from 'node:fs';
import path from 'node:path';
import { loadGrowthTables, type GrowthTables } from '../../src/station/growth/tables';
import { heightForAgeMonthsZ, heightForAgeZ, lengthForAgeZ, lmsZ, stuntingStatus, ageInDays } from '../../src/station/growth/zscore';
import { describeWithShared, REFERENCE_DIR } from './shared';

describe('LMS z-score', () => {
  test('the median is z = 0, M(1 + 2S) is z = +2 when L = 1, and L = 0 uses the logarithm', () => {
    expect(lmsZ(75.7391, { l: 1, m: 75.7391, s: 0.03137 })).toBeCloseTo(0, 10);
    expect(lmsZ(75.7391 * (1 + 2 * 0.03137), { l: 1, m: 75.7391, s: 0.03137 })).toBeCloseTo(2, 10);
    expect(lmsZ(10 * Math.exp(0.1), { l: 0, m: 10, s: 0.1 })).toBeCloseTo(1, 10);
  });

  test('stunting bands: below −3 severe, below −2 moderate', () => {
    expect([stuntingStatus(-3.01), stuntingStatus(-2.5), stuntingStatus(-2), stuntingStatus(1)]).toEqual(['severe', 'moderate', 'normal', 'normal']);
  });

  test('age in calendar days, across a leap day', () => {
    expect(ageInDays('2024-02-28', '2024-03-01')).toBe(2);
    expect(ageInDays('2023-05-10', '2024-05-10')).toBe(366);
  });
});

describeWithShared('WHO height-for-age against WHO reference values', () => {
  let tables: GrowthTables;
  beforeAll(() => {
    tables = loadGrowthTables([REFERENCE_DIR])!;
  });

  // WHO's expected z-scores for 933 school-age children, computed by WHO's anthroplus package.
  test('WHO 2007 (5–19 y): every computable row of WHO survey_who2007_z.csv matches WHO zhfa to 0.01', () => {
    const lines = fs.readFileSync(path.join(REFERENCE_DIR, 'who-growth-reference-2007/survey_who2007_z.csv'), 'utf8').trim().split('\n').slice(1);
    let compared = 0;
    for (const line of lines) {
      const cells = line.split(',');
      const [sex, ageMonths, height, expected] = [Number(cells[2]), Number(cells[5]), Number(cells[7]), cells[12]];
      if (expected === '' || expected === 'NA') continue;
      const z = heightForAgeMonthsZ(tables, sex as 1 | 2, ageMonths, height);
      expect({ line, z: z?.z }).toEqual({ line, z: expect.closeTo(Number(expected), 2) });
      compared++;
    }
    expect(compared).toBeGreaterThan(900);
  });

  // WHO Child Growth Standards, length-for-age z-score tables (published, 0.1 cm precision).
  test.each([
    ['boys 12 months −2 SD', 1, 365, 71.0, -2],
    ['boys 12 months median', 1, 365, 75.7, 0],
    ['girls 12 months −2 SD', 2, 365, 68.9, -2],
    ['girls 12 months median', 2, 365, 74.0, 0],
    ['boys 24 months −2 SD (length)', 1, 730, 81.7, -2],
    ['girls 24 months −2 SD (length)', 2, 730, 80.0, -2],
  ])('WHO 2006: %s', (_name, sex, days, height, z) => {
    expect(lengthForAgeZ(tables, sex as 1 | 2, days, height)!.z).toBeCloseTo(z, 1);
  });

  test('WHO 2006: a child measured in the other position is corrected by 0.7 cm', () => {
    const lying = lengthForAgeZ(tables, 2, 900, 85.0, true)!.z;
    const standing = lengthForAgeZ(tables, 2, 900, 84.3, false)!.z;
    expect(lying).toBe(standing);
    expect(lengthForAgeZ(tables, 1, 300, 70.0, false)!.z).toBe(lengthForAgeZ(tables, 1, 300, 70.7, true)!.z);
  });

  test('the right reference by age, and nothing outside the tables', () => {
    expect(heightForAgeZ(tables, 1, 1000, 90)!.reference).toBe('WHO-2006');
    expect(heightForAgeZ(tables, 1, 2000, 110)!.reference).toBe('WHO-2007');
    expect(heightForAgeZ(tables, 1, 8000, 170)).toBeUndefined();
    expect(lengthForAgeZ(tables, 1, -1, 50)).toBeUndefined();
  });

  test('an implausible height is flagged', () => {
    expect(lengthForAgeZ(tables, 1, 365, 40)!.flagged).toBe(true);
  });
});
