import type { HealthCriterionView } from '../../report/health-criterion';
import { AGE_LABEL, SEX_LABEL, villageName } from '../../report/labels';
import { percent } from '../../report/measure-report';
import type { Counts } from '../../report/sql/aggregate';
import type { StationConfig } from '../../station/config';
import { denominatorOf, formatThreshold, officialCounts } from './format';

/**
 * The report as CSV (UTF-8 with BOM so spreadsheet programs read Vietnamese correctly): one row
 * per indicator and stratum, with numerator, denominator, exclusions, percent, threshold and
 * verdict; then the app enrolments and the 12-month trend.
 */

const HEADER = ['phan_to', 'tang', 'ma_chi_tieu', 'chi_tieu', 'tu_so', 'mau_so', 'loai_tru', 'ty_le_phan_tram', 'nguong', 'ket_qua', 'so_lieu_chinh_thuc', 'nguon'];

function field(value: unknown): string {
  const text = value === undefined || value === null ? '' : String(value);
  return /[",\n\r;]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}
const line = (cells: unknown[]): string => cells.map(field).join(',');
const pct = (c: Counts): string => percent(c)?.toFixed(1) ?? '';
const verdict = (met: boolean | undefined): string => (met === undefined ? 'chua xac dinh' : met ? 'dat' : 'chua dat');

export function renderCsv(v: HealthCriterionView, station: StationConfig): string {
  const rows: string[] = [
    line(['# Báo cáo các chỉ tiêu về y tế', v.criteriaSetLabel]),
    line(['# Xã', `${station.commune.name} (${station.commune.code})`, 'Tỉnh', `${station.province.name} (${station.province.code})`, 'Thôn', v.scope.village ? villageName(station, v.scope.village) : 'toàn xã']),
    line(['# Kỳ', v.period.start, v.period.end, 'Lập lúc', v.generatedAt]),
    line(HEADER),
  ];
  for (const i of v.indicators) {
    const title = (i.measure.title ?? '').split(' / ')[0];
    if (!i.counts) {
      rows.push(line(['tong', '', i.code, title, '', '', '', '', 'dat/chua dat', verdict(i.verdict.met), i.attestation ? verdict(i.attestation.met) : '', i.attestation?.note]));
      continue;
    }
    const row = (dimension: string, stratum: string, c: Counts, met?: boolean, official = false): string =>
      line([dimension, stratum, i.code, title, c.numerator, denominatorOf(c), c.excluded, pct(c), formatThreshold(i.threshold), verdict(met),
        official && i.official ? pct(officialCounts(i.official)) : '', official ? i.official?.source : '']);
    rows.push(row('tong', '', i.counts.total, i.verdict.met, true));
    for (const [code, c] of i.counts.village) rows.push(row('thon', villageName(station, code), c));
    for (const [code, c] of i.counts.sex) rows.push(row('gioi_tinh', SEX_LABEL[code], c, code === 'male' ? i.verdict.male : code === 'female' ? i.verdict.female : undefined));
    for (const [code, c] of i.counts.ageGroup) rows.push(row('nhom_tuoi', AGE_LABEL[code], c));
    for (const [key, c] of i.counts.villageSex) {
      const [village, sex] = key.split('|');
      rows.push(row('thon_gioi_tinh', `${villageName(station, village)} / ${SEX_LABEL[sex]}`, c));
    }
  }
  rows.push('', line(['ung_dung', 'tang', 'so_nguoi']));
  for (const a of v.apps) {
    rows.push(line([a.label, 'tong', a.counts.total.initial]));
    for (const [code, c] of a.counts.sex) rows.push(line([a.label, SEX_LABEL[code], c.initial]));
    for (const [code, c] of a.counts.village) rows.push(line([a.label, villageName(station, code), c.initial]));
  }
  if (v.trend) {
    rows.push('', line(['dien_bien', ...v.trend.dates]));
    for (const s of v.trend.indicators) rows.push(line([`${s.code} (%)`, ...s.values.map((x) => (x === null ? '' : x.toFixed(1)))]));
    for (const s of v.trend.apps) rows.push(line([s.code, ...s.values]));
  }
  return `\uFEFF${rows.join('\r\n')}\r\n`;
}
