import type { StationConfig } from '../config';
import type { A1Register, A1Row } from './a1';

/** The A1/YTCS register as a printable Vietnamese HTML page and as CSV, 13 columns in the book's order. */

export const A1_COLUMNS: { key: keyof A1Row; title: string }[] = [
  { key: 'no', title: 'STT' },
  { key: 'name', title: 'Họ và tên' },
  { key: 'ageMale', title: 'Tuổi - Nam' },
  { key: 'ageFemale', title: 'Tuổi - Nữ' },
  { key: 'bhyt', title: 'Số thẻ BHYT' },
  { key: 'address', title: 'Địa chỉ' },
  { key: 'occupation', title: 'Nghề nghiệp' },
  { key: 'ethnicGroup', title: 'Dân tộc' },
  { key: 'symptoms', title: 'Triệu chứng' },
  { key: 'diagnosis', title: 'Chẩn đoán' },
  { key: 'treatment', title: 'Xử trí' },
  { key: 'examiner', title: 'Người khám' },
  { key: 'notes', title: 'Ghi chú' },
];

/** dd/mm/yyyy, as Vietnamese registers write dates. */
export function vnDate(date: string): string {
  const [y, m, d] = date.split('-');
  return `${d}/${m}/${y}`;
}

const escapeHtml = (text: string): string =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** Counts printed under the table: visits, by sex, with a BHYT card. */
export function a1Totals(register: A1Register): { visits: number; male: number; female: number; bhyt: number } {
  const rows = register.rows;
  return { visits: rows.length, male: rows.filter((r) => r.ageMale).length, female: rows.filter((r) => r.ageFemale).length, bhyt: rows.filter((r) => r.bhyt).length };
}

export function renderA1Html(register: A1Register, config: StationConfig): string {
  const cells = (row: A1Row): string => A1_COLUMNS.map(({ key }) => `<td>${escapeHtml(String(row[key]))}</td>`).join('');
  const body: string[] = [];
  let day = '';
  for (const row of register.rows) {
    if (row.date !== day) {
      day = row.date;
      body.push(`<tr class="day"><td colspan="13">Ngày ${vnDate(day)}</td></tr>`);
    }
    body.push(`<tr>${cells(row)}</tr>`);
  }
  if (!register.rows.length) body.push('<tr><td colspan="13" class="empty">Không có lượt khám nào trong kỳ</td></tr>');
  const t = a1Totals(register);
  const header = A1_COLUMNS.filter((c) => !c.key.startsWith('age'))
    .map((c) => (c.key === 'name' ? `<th rowspan="2">${c.title}</th><th colspan="2">Tuổi</th>` : `<th rowspan="2">${c.title}</th>`))
    .join('');
  return `<!DOCTYPE html>
<html lang="vi">
<head>
<meta charset="utf-8">
<title>Sổ khám bệnh A1/YTCS ${vnDate(register.from)}–${vnDate(register.to)}</title>
<style>
@page { size: A4 landscape; margin: 12mm; }
body { font-family: "Times New Roman", serif; font-size: 11pt; margin: 0 1em; }
header { display: flex; justify-content: space-between; }
h1 { text-align: center; font-size: 15pt; margin: 0.6em 0 0.1em; }
p.period { text-align: center; margin: 0 0 0.8em; }
table { border-collapse: collapse; width: 100%; }
th, td { border: 1px solid #000; padding: 2px 4px; vertical-align: top; }
th { background: #eee; }
thead { display: table-header-group; }
tr { page-break-inside: avoid; }
tr.day td { font-weight: bold; background: #f6f6f6; }
td.empty { text-align: center; font-style: italic; }
@media print { body { margin: 0; } }
</style>
</head>
<body>
<header><div>${escapeHtml(config.station.name)}<br>Xã ${escapeHtml(config.commune.name)}, tỉnh ${escapeHtml(config.province.name)}</div><div>Mẫu A1/YTCS</div></header>
<h1>SỔ KHÁM BỆNH</h1>
<p class="period">Từ ngày ${vnDate(register.from)} đến ngày ${vnDate(register.to)}</p>
<table>
<thead>
<tr>${header}</tr>
<tr><th>Nam</th><th>Nữ</th></tr>
<tr>${A1_COLUMNS.map((_, i) => `<th>${i + 1}</th>`).join('')}</tr>
</thead>
<tbody>
${body.join('\n')}
</tbody>
</table>
<p>Tổng số lượt khám: ${t.visits} (nam ${t.male}, nữ ${t.female}); có thẻ BHYT: ${t.bhyt}. Mỗi chuyên khoa được khám tính là một lượt khám.</p>
</body>
</html>
`;
}

/** CSV (RFC 4180, UTF-8 with BOM so spreadsheet programs read the Vietnamese letters), the 13 columns. */
export function renderA1Csv(register: A1Register): string {
  const field = (value: string | number): string => {
    const text = String(value);
    return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
  };
  const lines = [A1_COLUMNS.map((c) => field(c.title)).join(','), ...register.rows.map((row) => A1_COLUMNS.map((c) => field(row[c.key])).join(','))];
  return `\uFEFF${lines.join('\r\n')}\r\n`;
}
