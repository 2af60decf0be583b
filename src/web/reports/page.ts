import { CRITERIA_SETS, type CriteriaSet } from '../../report/config';
import type { HealthCriterionView } from '../../report/health-criterion';
import { villageName } from '../../report/labels';
import { villageText, type StationConfig } from '../../station/config';
import { esc, formatDate, formatDateTime } from './format';
import { appsTable, byAgeTable, byFormerCommuneTable, bySexTable, byVillageTable, definitions, indicatorTable } from './sections';

/**
 * The officers' page /reports/health-criterion (Vietnamese): header with period, commune and
 * generation time; filters; the tables; trend charts drawn by uPlot (served by this server,
 * src/web/reports/assets/report.js); definitions. The same HTML prints (print stylesheet) and
 * becomes the PDF.
 */

export interface PageOptions {
  station: StationConfig;
  timeZone: string;
  /** Query string of the current choice (for the CSV, PDF and print links). */
  query: string;
  /** What the signed-in user may do besides reading. */
  can: { save: boolean; enterFigures: boolean; attest: boolean; followUp: boolean };
  csrfToken?: string;
  /** Rendering for the PDF: no filters or buttons. */
  forPdf?: boolean;
  /** Message after an action (saved…). */
  flash?: string;
}

const SET_LABEL: Record<CriteriaSet, string> = { ntm: 'Nông thôn mới', 'ntm-nang-cao': 'Nông thôn mới nâng cao', 'ntm-kieu-mau': 'Nông thôn mới kiểu mẫu' };

/** The by-former-commune table under the villages', for a commune merged in 2025. */
function formerCommunes(v: HealthCriterionView, s: StationConfig): string {
  const table = byFormerCommuneTable(v, s);
  return table ? `<h3>Theo xã cũ (trước sáp nhập 2025)</h3>${table}` : '';
}

export function renderPage(v: HealthCriterionView, o: PageOptions): string {
  const s = o.station;
  const place = v.scope.village ? `${villageText(villageName(s, v.scope.village))}, xã ${s.commune.name}` : `Xã ${s.commune.name}`;
  return `<!doctype html>
<html lang="vi"><head>
<meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
${o.csrfToken ? `<meta name="csrf-token" content="${esc(o.csrfToken)}">` : ''}
<title>Báo cáo tiêu chí y tế — ${esc(place)} — ${formatDate(v.period.end)}</title>
<link rel="stylesheet" href="/reports/assets/fonts/400.css"><link rel="stylesheet" href="/reports/assets/fonts/700.css">
<link rel="stylesheet" href="/reports/assets/uPlot.min.css"><link rel="stylesheet" href="/reports/assets/report.css">
</head><body${o.forPdf ? ' class="pdf"' : ''}>
<header class="report-header">
  <div class="nation"><div>CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM</div><div class="motto">Độc lập – Tự do – Hạnh phúc</div></div>
  <div class="unit"><div>UBND ${esc(`xã ${s.commune.name}`.toUpperCase())}</div><div>${esc(s.station.name.toUpperCase())}</div></div>
  <h1>BÁO CÁO CÁC CHỈ TIÊU VỀ Y TẾ</h1>
  <p class="subtitle">Bộ tiêu chí: <strong>${esc(v.criteriaSetLabel)}</strong></p>
  <dl class="facts">
    <dt>Địa bàn</dt><dd>${esc(place)} (mã xã ${esc(s.commune.code)}), tỉnh ${esc(s.province.name)} (mã ${esc(s.province.code)})${s.formerCommunes.length ? `; gồm xã cũ ${s.formerCommunes.map((c) => `${esc(c.name)} (${esc(c.code)})`).join(', ')}` : ''}</dd>
    <dt>Kỳ báo cáo</dt><dd>${formatDate(v.period.start)} – ${formatDate(v.period.end)}; số người tính đến ngày ${formatDate(v.period.end)}</dd>
    <dt>Lập lúc</dt><dd>${formatDateTime(v.generatedAt, o.timeZone)} (giờ Việt Nam)${v.configSource ? ` — theo cấu hình ${esc(v.configSource)}` : ''}</dd>
  </dl>
</header>
${o.forPdf ? '' : filters(v, o)}
${o.flash ? `<p class="flash">${esc(o.flash)}</p>` : ''}
<main>
<section><h2>1. Các chỉ tiêu</h2>${indicatorTable(v, o.timeZone)}
  <p class="legend"><span class="met">Đạt</span> <span class="not-met">Chưa đạt</span> <span class="unknown">Chưa xác định (chưa có ngưỡng hoặc không có ai để tính)</span></p></section>
<section><h2>2. Theo thôn</h2>${byVillageTable(v, s)}${formerCommunes(v, s)}</section>
<section><h2>3. Theo giới tính</h2>${bySexTable(v)}</section>
<section><h2>4. Theo nhóm tuổi</h2>${byAgeTable(v)}</section>
<section><h2>5. Người dân đăng ký ứng dụng sức khỏe</h2>${appsTable(v, s)}</section>
${v.trend ? `<section class="trend"><h2>6. Diễn biến 12 tháng</h2><div id="charts" class="charts"></div>
<script type="application/json" id="report-data">${jsonForScript(chartData(v))}</script></section>` : ''}
<section class="definitions-block"><h2>${v.trend ? 7 : 6}. Định nghĩa và cách tính</h2>${definitions(v)}</section>
${o.forPdf ? '' : actions(v, o)}
</main>
<footer class="signatures"><div>Người lập biểu</div><div>${esc(s.station.name)}<br>Trưởng trạm</div></footer>
<script src="/reports/assets/uPlot.iife.min.js"></script><script src="/reports/assets/report.js"></script>
</body></html>`;
}

function filters(v: HealthCriterionView, o: PageOptions): string {
  const option = (value: string, label: string, selected: boolean): string => `<option value="${esc(value)}"${selected ? ' selected' : ''}>${esc(label)}</option>`;
  return `<form class="filters no-print" method="get" action="/reports/health-criterion">
  <label>Bộ tiêu chí <select name="set">${CRITERIA_SETS.map((c) => option(c, SET_LABEL[c], c === v.criteriaSet)).join('')}</select></label>
  <label>Từ ngày <input type="date" name="from" value="${v.period.start}" required></label>
  <label>Đến ngày <input type="date" name="to" value="${v.period.end}" required></label>
  <label>Thôn <select name="village">${option('', 'Toàn xã', !v.scope.village)}${o.station.villages.map((x) => option(x.code, x.name, x.code === v.scope.village)).join('')}</select></label>
  <button type="submit">Xem báo cáo</button>
  <span class="exports"><a href="/reports/health-criterion.csv?${esc(o.query)}">Tải CSV</a> <a href="/reports/health-criterion.pdf?${esc(o.query)}">Tải PDF</a> <button type="button" id="print">In</button></span>
</form>`;
}

function actions(v: HealthCriterionView, o: PageOptions): string {
  const parts: string[] = [];
  const hidden = `<input type="hidden" name="set" value="${v.criteriaSet}"><input type="hidden" name="from" value="${v.period.start}"><input type="hidden" name="to" value="${v.period.end}"><input type="hidden" name="village" value="${esc(v.scope.village ?? '')}">`;
  if (o.can.save) parts.push(`<form class="action" data-post="/reports/health-criterion/save">${hidden}<button type="submit">Lưu báo cáo vào hồ sơ</button> <span class="note">Mỗi lần lưu là một phiên bản mới của cùng báo cáo.</span></form>`);
  if (o.can.enterFigures) {
    const options = v.indicators.filter((i) => i.counts).map((i) => `<option value="${esc(i.measure.id)}">${esc(i.code)} — ${esc((i.measure.title ?? '').split(' / ')[0])}</option>`).join('');
    parts.push(`<form class="action" data-post="/reports/health-criterion/official-figures">${hidden}
      <fieldset><legend>Nhập số liệu chính thức (từ nguồn ngoài)</legend>
      <label>Chỉ tiêu <select name="measure">${options}</select></label>
      <label>Tử số <input type="number" name="numerator" min="0" required></label>
      <label>Mẫu số <input type="number" name="denominator" min="1" required></label>
      <label>Nguồn <input type="text" name="source" required placeholder="Ví dụ: Danh sách BHXH huyện tháng 9"></label>
      <label>Ghi chú <input type="text" name="note"></label>
      <button type="submit">Ghi số liệu</button></fieldset></form>`);
  }
  if (o.can.attest) {
    parts.push(`<form class="action" data-post="/reports/health-criterion/attestation">${hidden}
      <fieldset><legend>Xác nhận chỉ tiêu 15.2 (xã đạt tiêu chí quốc gia về y tế)</legend>
      <label><input type="radio" name="met" value="true" required> Đạt</label> <label><input type="radio" name="met" value="false"> Chưa đạt</label>
      <label>Căn cứ <input type="text" name="note" required placeholder="Ví dụ: Quyết định công nhận số …"></label>
      <button type="submit">Ghi xác nhận</button></fieldset></form>`);
  }
  if (o.can.followUp) {
    const links = v.indicators
      .filter((i) => i.counts)
      .map((i) => `<li><a href="/reports/health-criterion/follow-up?measure=${esc(i.measure.id)}&amp;${esc(o.query)}">${esc(i.code)} — ${esc((i.measure.title ?? '').split(' / ')[0])}</a></li>`);
    parts.push(`<div class="action"><h3>Danh sách cần theo dõi (chỉ nhân viên trạm)</h3><ul>${links.join('')}</ul></div>`);
  }
  return parts.length ? `<section class="no-print actions"><h2>Thao tác</h2>${parts.join('')}</section>` : '';
}

function chartData(v: HealthCriterionView): unknown {
  const t = v.trend!;
  return {
    dates: t.dates,
    indicators: t.indicators.map((s) => {
      const i = v.indicators.find((x) => x.code === s.code)!;
      return { code: s.code, label: `${s.code} ${(i.measure.title ?? '').split(' / ')[0]}`, values: s.values, threshold: i.threshold?.value ?? null };
    }),
    apps: t.apps.map((s) => ({ code: s.code, label: v.apps.find((a) => a.code === s.code)?.label ?? s.code, values: s.values })),
  };
}

/** JSON inside <script type="application/json">: `<` escaped so no `</script>` can end it early. */
function jsonForScript(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c');
}
