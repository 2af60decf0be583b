import type { HealthCriterionView } from '../../src/report/health-criterion';
import { HA_SON, type StationConfig } from '../../src/station/config';
import { byFormerCommuneTable } from '../../src/web/reports/sections';

/**
 * A commune merged in 2025 (domain README §4: Hà Sơn is now part of Tống Sơn) reads its indicators
 * by former commune too: each village's counts go to the former commune it belonged to.
 */

const TONG_SON: StationConfig = {
  ...HA_SON,
  formerCommunes: [...HA_SON.formerCommunes, { code: '15316', name: 'Hà Ngọc', district: { code: '392', name: 'Hà Trung' } }],
  villages: [
    { code: '15313-01', name: 'Chí Phúc', formerCommune: '15313' },
    { code: '15313-02', name: 'Giang Sơn 9', formerCommune: '15313' },
    { code: '15316-01', name: 'Ngọc Lâm', formerCommune: '15316' },
  ],
};

const counts = (initial: number, excluded: number, numerator: number) => ({ initial, excluded, numerator });
/** 14.1 (BHYT, ≥ 95 %) counted by village; the unknown village holds residents with no village. */
const view = (unknownInitial: number): HealthCriterionView =>
  ({
    indicators: [
      {
        code: '14.1',
        threshold: { comparator: '>=', value: 95 },
        counts: {
          village: new Map([
            ['15313-01', counts(100, 2, 96)],
            ['15313-02', counts(50, 0, 45)],
            ['15316-01', counts(40, 0, 39)],
            ['unknown', counts(unknownInitial, 0, 0)],
          ]),
        },
      },
    ],
  }) as unknown as HealthCriterionView;

/** The rows' header cell and fraction. */
const rows = (html: string): [string, string][] =>
  [...html.matchAll(/<tr><th scope="row">([^<]*)<\/th><td class="num[^"]*">(?:<strong>[^<]*<\/strong><br><span class="fraction">([^<]*)<\/span>|—)<\/td><\/tr>/g)].map((m) => [m[1], m[2] ?? '—']);

test('the villages of each former commune are summed: Hà Sơn 141 of 148, Hà Ngọc 39 of 40', () => {
  const html = byFormerCommuneTable(view(0), TONG_SON)!;
  expect(rows(html)).toEqual([
    ['Hà Sơn (15313)', '141/148'],
    ['Hà Ngọc (15316)', '39/40'],
  ]);
  // 141/148 = 95.3 % meets ≥ 95 %; 39/40 = 97.5 % too.
  expect(html.match(/class="num met"/g)).toHaveLength(2);
});

test('residents without a village are shown apart, only when there are some', () => {
  expect(rows(byFormerCommuneTable(view(3), TONG_SON)!).at(-1)).toEqual(['Không rõ thôn', '0/3']);
});

test('a commune that was not merged has no such table', () => {
  expect(byFormerCommuneTable(view(0), HA_SON)).toBeUndefined();
});
