import type { StationConfig } from '../config';
import type { A1Register, A1Row } from './a1';
import { csvText, escapeHtml, registerDocument, vnDate } from './render';

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
  return registerDocument(config, {
    title: `Sổ khám bệnh A1/YTCS ${vnDate(register.from)}–${vnDate(register.to)}`,
    form: 'A1/YTCS',
    heading: 'SỔ KHÁM BỆNH',
    period: `Từ ngày ${vnDate(register.from)} đến ngày ${vnDate(register.to)}`,
    thead: `<tr>${header}</tr>\n<tr><th>Nam</th><th>Nữ</th></tr>\n<tr>${A1_COLUMNS.map((_, i) => `<th>${i + 1}</th>`).join('')}</tr>`,
    tbody: body.join('\n'),
    footer: `Tổng số lượt khám: ${t.visits} (nam ${t.male}, nữ ${t.female}); có thẻ BHYT: ${t.bhyt}. Mỗi chuyên khoa được khám tính là một lượt khám.`,
  });
}

/** The 13 columns as CSV. */
export function renderA1Csv(register: A1Register): string {
  return csvText(
    A1_COLUMNS.map((c) => c.title),
    register.rows.map((row) => A1_COLUMNS.map((c) => row[c.key])),
  );
}
