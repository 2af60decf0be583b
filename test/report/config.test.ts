import { OperationOutcomeError } from '../../src/fhir/outcomes';
import { MEASURE } from '../../src/report/canonical';
import { defaultReportConfig, thresholdFor, type IndicatorRule } from '../../src/report/config';
import { mergeConfig } from '../../src/report/config-store';
import { meets } from '../../src/report/assess';

const indicator = (set: 'ntm' | 'ntm-nang-cao' | 'ntm-kieu-mau', measure: string): IndicatorRule =>
  defaultReportConfig().criteriaSets[set].indicators.find((i) => i.measure === measure)!;

describe('report configuration', () => {
  test('thresholds per criteria set: BHYT ≥90% (NTM), ≥95% (advanced and model), met for men and women', () => {
    expect(thresholdFor(indicator('ntm', MEASURE.bhyt), 'BTB')).toEqual({ comparator: '>=', value: 90 });
    expect(thresholdFor(indicator('ntm-nang-cao', MEASURE.bhyt), 'BTB')).toEqual({ comparator: '>=', value: 95 });
    expect(thresholdFor(indicator('ntm-kieu-mau', MEASURE.bhyt), 'BTB')).toEqual({ comparator: '>=', value: 95 });
    expect(indicator('ntm', MEASURE.bhyt).bySex).toBe(true);
    expect(indicator('ntm-nang-cao', MEASURE.eHealthBook).bySex).toBeFalsy();
  });

  test('regional thresholds: stunting ceilings by region; 15.4 set only where confirmed', () => {
    const stunting = indicator('ntm', MEASURE.stunting);
    expect(thresholdFor(stunting, 'BTB')).toEqual({ comparator: '<=', value: 25 });
    expect(thresholdFor(stunting, 'DBSH')).toEqual({ comparator: '<=', value: 16.5 });
    expect(thresholdFor(stunting, 'DNB')).toEqual({ comparator: '<=', value: 14.5 });
    const book = indicator('ntm', MEASURE.eHealthBook);
    expect(thresholdFor(book, 'MNPB')).toEqual({ comparator: '>=', value: 50 });
    expect(thresholdFor(book, 'DBSH')).toEqual({ comparator: '>=', value: 70 });
    expect(thresholdFor(book, 'BTB')).toBeUndefined();
    expect(thresholdFor(indicator('ntm', MEASURE.communeCriteria), 'BTB')).toBeUndefined();
  });

  test('a threshold is met only when the share itself reaches it, not a rounded one (a merged commune of 24,000)', () => {
    // 21,599 / 24,000 = 89.9958 %: below 90 %, though 4 decimals of the score round it to 0.9000.
    expect(meets({ initial: 24_000, excluded: 0, numerator: 21_599 }, { comparator: '>=', value: 90 })).toBe(false);
    expect(meets({ initial: 24_000, excluded: 0, numerator: 21_600 }, { comparator: '>=', value: 90 })).toBe(true);
    expect(meets({ initial: 24_001, excluded: 1, numerator: 22_799 }, { comparator: '>=', value: 95 })).toBe(false);
    // A ceiling: 10,001 / 40,000 = 25.0025 % is above 25 %; exactly 25 % and 16.5 % are within their ceilings.
    expect(meets({ initial: 40_000, excluded: 0, numerator: 10_001 }, { comparator: '<=', value: 25 })).toBe(false);
    expect(meets({ initial: 40_000, excluded: 0, numerator: 10_000 }, { comparator: '<=', value: 25 })).toBe(true);
    expect(meets({ initial: 1_000, excluded: 0, numerator: 165 }, { comparator: '<=', value: 16.5 })).toBe(true);
    expect(meets({ initial: 1_000, excluded: 0, numerator: 166 }, { comparator: '<=', value: 16.5 })).toBe(false);
    // 72.3 is not exact in binary: 723 / 1,000 still meets it.
    expect(meets({ initial: 1_000, excluded: 0, numerator: 723 }, { comparator: '>=', value: 72.3 })).toBe(true);
    expect(meets({ initial: 3, excluded: 0, numerator: 0 }, { comparator: '>=', value: 0 })).toBe(true);
  });

  test('overrides merge one level deep and replace a criteria set whole', () => {
    const merged = mergeConfig(defaultReportConfig(), {
      region: 'MNPB',
      stunting: { zBelow: -3 } as never,
      criteriaSets: { ntm: { label: 'NTM (xã)', indicators: [{ measure: MEASURE.eHealthBook, code: '15.4', threshold: { comparator: '>=', value: 60 } }] } } as never,
    });
    expect(merged.region).toBe('MNPB');
    expect(merged.stunting).toEqual({ ...defaultReportConfig().stunting, zBelow: -3 });
    expect(merged.criteriaSets.ntm.indicators).toHaveLength(1);
    expect(merged.criteriaSets['ntm-nang-cao']).toEqual(defaultReportConfig().criteriaSets['ntm-nang-cao']);
  });

  test.each([
    [{ region: 'XX' }, 'vùng "XX"'],
    [{ unknownKey: 1 }, 'khóa "unknownKey"'],
    [{ residenceTypes: [] }, 'ít nhất một loại cư trú'],
    [{ telemedicine: { usageWindow: 'ever' } }, 'usageWindow'],
    [{ criteriaSets: { ntm: { label: 'x', indicators: [{ measure: 'bhyt-coverage', code: '15.1', threshold: { comparator: '>', value: 90 } }] } } }, 'ngưỡng'],
    [{ criteriaSets: { ntm: { label: 'x', indicators: [{ measure: 'bhyt-coverage', code: '15.1', threshold: { comparator: '>=', value: 190 } }] } } }, 'từ 0 đến 100'],
    [{ criteriaSets: { ntm: { label: 'x', indicators: [{ measure: 'nope', code: '15.9' }] } } }, 'measure "nope"'],
    [{ healthManaged: { minRecords: -1 } }, 'minRecords'],
    // The report keeps the dated rows of the known record types only (src/report/sql/facts.ts).
    [{ healthManaged: { records: [{ type: 'Observation', param: 'issued' }] } }, 'Observation.issued không phải ngày ghi hồ sơ'],
  ])('rejects %j with a Vietnamese-then-English 400', (override, fragment) => {
    let error: unknown;
    try {
      mergeConfig(defaultReportConfig(), override as never);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(OperationOutcomeError);
    const text = (error as OperationOutcomeError).outcome.issue[0].details!.text!;
    expect(text).toContain(fragment);
    expect(text).toMatch(/^Cấu hình báo cáo không hợp lệ.*Invalid report configuration/s);
  });
});
