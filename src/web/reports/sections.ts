import { meets } from '../../report/assess';
import type { HealthCriterionView, IndicatorView } from '../../report/health-criterion';
import { AGE_LABEL, SEX_LABEL, villageName } from '../../report/labels';
import type { Counts } from '../../report/sql/aggregate';
import type { StationConfig } from '../../station/config';
import { denominatorOf, esc, formatDate, formatDateTime, formatInt, formatThreshold, officialCounts, percentOf, verdictLabel } from './format';

/** The tables of the officers' page: indicators, by village (and former commune), by sex, by age group, app enrolments. */

const titleOf = (i: IndicatorView): string => (i.measure.title ?? '').split(' / ')[0];
const counted = (v: HealthCriterionView): IndicatorView[] => v.indicators.filter((i) => i.counts);

function cell(c: Counts, i: IndicatorView): string {
  const { css } = verdictLabel(meets(c, i.threshold));
  if (denominatorOf(c) === 0) return `<td class="num empty">—</td>`;
  return `<td class="num ${css}"><strong>${percentOf(c)}</strong><br><span class="fraction">${formatInt(c.numerator)}/${formatInt(denominatorOf(c))}</span></td>`;
}

export function indicatorTable(v: HealthCriterionView, timeZone: string): string {
  const rows = v.indicators.map((i) => {
    const verdict = verdictLabel(i.verdict.met);
    const sexNote = i.bySex ? `<div class="note">Phải đạt với cả nam (${verdictLabel(i.verdict.male).text.toLowerCase()}) và nữ (${verdictLabel(i.verdict.female).text.toLowerCase()})</div>` : '';
    const figures = i.counts
      ? `<td class="num">${formatInt(i.counts.total.numerator)}</td><td class="num">${formatInt(denominatorOf(i.counts.total))}${i.counts.total.excluded ? `<div class="note">đã loại ${formatInt(i.counts.total.excluded)}</div>` : ''}</td><td class="num"><strong>${percentOf(i.counts.total)}</strong></td>`
      : `<td class="num" colspan="3">${i.attestation ? `Trạm xác nhận: <strong>${i.attestation.met ? 'đạt' : 'chưa đạt'}</strong>` : 'Chưa có xác nhận của trạm'}</td>`;
    return `<tr>
      <td class="code">${esc(i.code)}</td>
      <td>${esc(titleOf(i))}${sexNote}</td>
      ${figures}
      <td class="num">${i.counts ? formatThreshold(i.threshold) : 'Đạt / chưa đạt'}</td>
      <td class="verdict ${verdict.css}">${verdict.text}</td>
      <td class="official">${storedCell(i, timeZone)}</td>
    </tr>`;
  });
  return `<table class="indicators">
    <thead><tr><th>Mã</th><th>Chỉ tiêu</th><th>Tử số</th><th>Mẫu số</th><th>Tỷ lệ</th><th>Ngưỡng</th><th>Kết quả</th><th>Số liệu chính thức / xác nhận</th></tr></thead>
    <tbody>${rows.join('')}</tbody></table>`;
}

function storedCell(i: IndicatorView, timeZone: string): string {
  const f = i.official ?? i.attestation;
  if (!f) return '<span class="note">—</span>';
  const value = i.official ? `<strong>${percentOf(officialCounts(f))}</strong> (${formatInt(f.numerator ?? 0)}/${formatInt(f.denominator ?? 0)})<br>Nguồn: ${esc(f.source)}` : esc(f.note);
  return `${value}<div class="note">${esc(f.who)}, ${f.when ? formatDateTime(f.when, timeZone) : ''}${i.official && f.note ? ` — ${esc(f.note)}` : ''}</div>`;
}

export function byVillageTable(v: HealthCriterionView, station: StationConfig): string {
  const indicators = counted(v);
  const villages = [...indicators[0]?.counts!.village.keys() ?? []].filter((code) => code !== 'unknown' || indicators.some((i) => i.counts!.village.get('unknown')!.initial > 0));
  const rows = villages.map((code) => `<tr><th scope="row">${esc(villageName(station, code))}</th>${indicators.map((i) => cell(i.counts!.village.get(code)!, i)).join('')}</tr>`);
  return `<table class="strata"><thead><tr><th>Thôn</th>${indicators.map((i) => `<th>${esc(i.code)}<br><span class="note">${esc(formatThreshold(i.threshold))}</span></th>`).join('')}</tr></thead>
    <tbody>${rows.join('')}</tbody></table>`;
}

/**
 * A commune merged in 2025 holds several former communes (domain README §4): the village counts
 * summed by the former commune each village belonged to — villages partition the residents, so the
 * sums are the former communes' own counts. Residents without a village stay in "Không rõ".
 * Undefined for a commune that was not merged.
 */
export function byFormerCommuneTable(v: HealthCriterionView, station: StationConfig): string | undefined {
  if (station.formerCommunes.length < 2) return undefined;
  const indicators = counted(v);
  const formerOf = (village: string): string => station.villages.find((x) => x.code === village)?.formerCommune ?? 'unknown';
  const sum = (i: IndicatorView, former: string): Counts =>
    [...i.counts!.village].filter(([village]) => formerOf(village) === former).reduce((a, [, c]) => ({ initial: a.initial + c.initial, excluded: a.excluded + c.excluded, numerator: a.numerator + c.numerator }), { initial: 0, excluded: 0, numerator: 0 });
  const rows = [...station.formerCommunes.map((c) => ({ code: c.code, label: `${c.name} (${c.code})` })), { code: 'unknown', label: 'Không rõ thôn' }]
    .filter((f) => f.code !== 'unknown' || indicators.some((i) => sum(i, 'unknown').initial > 0))
    .map((f) => `<tr><th scope="row">${esc(f.label)}</th>${indicators.map((i) => cell(sum(i, f.code), i)).join('')}</tr>`);
  return `<table class="strata"><thead><tr><th>Xã cũ</th>${indicators.map((i) => `<th>${esc(i.code)}<br><span class="note">${esc(formatThreshold(i.threshold))}</span></th>`).join('')}</tr></thead>
    <tbody>${rows.join('')}</tbody></table>`;
}

export function bySexTable(v: HealthCriterionView): string {
  const indicators = counted(v);
  const sexes = ['male', 'female', 'other', 'unknown'].filter((s) => s === 'male' || s === 'female' || indicators.some((i) => i.counts!.sex.get(s)!.initial > 0));
  const rows = sexes.map((s) => `<tr><th scope="row">${SEX_LABEL[s]}</th>${indicators.map((i) => cell(i.counts!.sex.get(s)!, i)).join('')}</tr>`);
  return `<table class="strata"><thead><tr><th>Giới tính</th>${indicators.map((i) => `<th>${esc(i.code)}${i.bySex ? '<br><span class="note">nam và nữ</span>' : ''}</th>`).join('')}</tr></thead>
    <tbody>${rows.join('')}</tbody></table>`;
}

export function byAgeTable(v: HealthCriterionView): string {
  const indicators = counted(v);
  const rows = Object.keys(AGE_LABEL)
    .filter((a) => a !== 'unknown' || indicators.some((i) => i.counts!.ageGroup.get('unknown')!.initial > 0))
    .map((a) => `<tr><th scope="row">${AGE_LABEL[a]}</th>${indicators.map((i) => cell(i.counts!.ageGroup.get(a)!, i)).join('')}</tr>`);
  return `<table class="strata"><thead><tr><th>Nhóm tuổi</th>${indicators.map((i) => `<th>${esc(i.code)}</th>`).join('')}</tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

export function appsTable(v: HealthCriterionView, station: StationConfig): string {
  if (!v.apps.length) return '';
  const villages = [...v.apps[0].counts.village.keys()].filter((code) => code !== 'unknown' || v.apps.some((a) => a.counts.village.get('unknown')!.initial > 0));
  const head = `<tr><th>Ứng dụng</th><th>Tổng</th><th>Nam</th><th>Nữ</th>${villages.map((c) => `<th>${esc(villageName(station, c))}</th>`).join('')}</tr>`;
  const rows = v.apps.map(
    (a) =>
      `<tr><th scope="row">${esc(a.label)}</th><td class="num"><strong>${formatInt(a.counts.total.initial)}</strong></td><td class="num">${formatInt(a.counts.sex.get('male')!.initial)}</td><td class="num">${formatInt(a.counts.sex.get('female')!.initial)}</td>${villages.map((c) => `<td class="num">${formatInt(a.counts.village.get(c)!.initial)}</td>`).join('')}</tr>`,
  );
  return `<table class="strata apps"><thead>${head}</thead><tbody>${rows.join('')}</tbody></table>`;
}

export function definitions(v: HealthCriterionView): string {
  const seen = new Set<string>();
  const items = [...v.indicators.map((i) => i.measure), ...(v.apps[0] ? [v.apps[0].measure] : [])]
    .filter((m) => !seen.has(m.id!) && seen.add(m.id!))
    .map((m) => {
      const pops = (m.group?.[0]?.population ?? []).map((p) => `<li><em>${esc(populationName(p.code?.coding?.[0]?.code))}</em>: ${esc((p.description ?? '').split(' / ')[0])}</li>`);
      return `<dt>${esc((m.title ?? '').split(' / ')[0])} <span class="note">(${esc(m.identifier?.map((i) => i.value).join(' / ') || 'đếm theo ứng dụng')})</span></dt>
        <dd>${esc((m.description ?? '').split(' / ')[0])}${pops.length ? `<ul>${pops.join('')}</ul>` : ''}</dd>`;
    });
  return `<dl class="definitions">${items.join('')}</dl>
    <p class="note">${esc((v.indicators[0]?.measure.guidance ?? '').split(' / ')[0])} Các tầng “không rõ” gom người thiếu thông tin (thôn, giới tính, ngày sinh); tổng các tầng luôn bằng tổng chung.
    Số liệu tính đến ngày ${formatDate(v.period.end)}; sự kiện (đo, khám, cập nhật hồ sơ) tính trong kỳ ${formatDate(v.period.start)} – ${formatDate(v.period.end)}.</p>`;
}

function populationName(code: string | undefined): string {
  return { 'initial-population': 'Quần thể', denominator: 'Mẫu số', 'denominator-exclusion': 'Loại trừ', numerator: 'Tử số' }[code ?? ''] ?? code ?? '';
}
