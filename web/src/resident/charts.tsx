import type { Observation } from '@medplum/fhirtypes';
import { useMemo } from 'react';
import { LineChart, type ChartSeries } from '../components/chart';
import { ageYears, formatDate, formatNumber } from '../format';
import { bloodPressureSeries, heightForAgeSeries, quantitySeries } from './measurements';

const BY_DATE = { xName: 'Ngày', xIsTime: true, xLabel: (seconds: number): string => formatDate(new Date(seconds * 1000).toISOString()) };
const monthLabel = (months: number): string => `${formatNumber(Math.round(months * 10) / 10)} th`;

/** WHO z-score lines: the median, ±2 SD (stunting / tall) and ±3 SD (severe). */
function whoLines(fromMonth: number, toMonth: number): ChartSeries[] {
  const line = (z: number, color: string, dash?: number[]): ChartSeries => ({ label: z === 0 ? 'Trung vị WHO' : `${z > 0 ? '+' : ''}${z} SD`, color, dash, reference: true, points: [[fromMonth, z], [toMonth, z]] });
  return [line(3, '#b3261e', [4, 4]), line(2, '#a15c00', [6, 3]), line(0, '#17723a'), line(-2, '#a15c00', [6, 3]), line(-3, '#b3261e', [4, 4])];
}

/** Blood pressure and weight over time; for children under 19 the height-for-age z-scores on the WHO lines. */
export function Charts({ observations, birthDate }: { observations: Observation[]; birthDate?: string }) {
  const charts = useMemo(() => {
    const bp = bloodPressureSeries(observations);
    const weight = quantitySeries(observations, ['29463-7']);
    const haz = (ageYears(birthDate) ?? 99) < 19 ? heightForAgeSeries(observations, birthDate) : [];
    const list: { key: string; title: string; series: ChartSeries[]; xName: string; xIsTime: boolean; xLabel(x: number): string; yUnit: string }[] = [];
    if (bp.systolic.length) {
      list.push({ key: 'bp', title: 'Huyết áp (mmHg)', yUnit: 'mmHg', ...BY_DATE, series: [{ label: 'Tâm thu', color: '#b3261e', points: bp.systolic }, { label: 'Tâm trương', color: '#1a4d8f', points: bp.diastolic }] });
    }
    if (weight.length) list.push({ key: 'weight', title: 'Cân nặng (kg)', yUnit: 'kg', ...BY_DATE, series: [{ label: 'Cân nặng', color: '#0b6e4f', points: weight }] });
    if (haz.length) {
      const months = haz.map(([m]) => m);
      list.push({ key: 'haz', title: 'Chiều cao theo tuổi – chỉ số Z (chuẩn WHO)', yUnit: 'Z', xName: 'Tuổi', xIsTime: false, xLabel: monthLabel, series: [...whoLines(Math.min(...months), Math.max(...months)), { label: 'Chỉ số Z của trẻ', color: '#1c2430', points: haz }] });
    }
    return list;
  }, [observations, birthDate]);
  if (!charts.length) return <p className="muted">Chưa có số đo huyết áp, cân nặng hay chiều cao.</p>;
  return (
    <>
      {charts.map((c) => (
        <LineChart key={c.key} title={c.title} series={c.series} xName={c.xName} xIsTime={c.xIsTime} xLabel={c.xLabel} yUnit={c.yUnit} />
      ))}
    </>
  );
}
