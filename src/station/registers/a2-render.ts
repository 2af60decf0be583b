import type { StationConfig } from '../config';
import { A2_DOSES, type A2Dose, type A2Register, type A2Row } from './a2';
import { csvText, escapeHtml, registerDocument, vnDate } from './render';

/** The A2.1/YTCS register as a printable Vietnamese HTML page and as CSV, in the book's column order. */

/** The columns about the child, before the doses. */
const CHILD_COLUMNS: { key: Exclude<keyof A2Row, 'doses'>; title: string }[] = [
  { key: 'no', title: 'STT' },
  { key: 'name', title: 'Họ và tên trẻ' },
  { key: 'birthDate', title: 'Ngày sinh' },
  { key: 'sex', title: 'Giới' },
  { key: 'carer', title: 'Họ tên mẹ (người chăm sóc)' },
  { key: 'address', title: 'Địa chỉ' },
];

/** Each dose column: the group it is printed under (two header rows) and its own title. */
const DOSE_COLUMNS: Record<A2Dose, { group: string; title: string }> = {
  bcg: { group: 'Lao', title: 'BCG' },
  hepBWithin24h: { group: 'Viêm gan B sơ sinh', title: 'Trong 24 giờ' },
  hepBAfter24h: { group: 'Viêm gan B sơ sinh', title: 'Sau 24 giờ' },
  penta1: { group: 'DPT-VGB-Hib', title: 'Mũi 1' },
  penta2: { group: 'DPT-VGB-Hib', title: 'Mũi 2' },
  penta3: { group: 'DPT-VGB-Hib', title: 'Mũi 3' },
  opv1: { group: 'Bại liệt (OPV)', title: 'Lần 1' },
  opv2: { group: 'Bại liệt (OPV)', title: 'Lần 2' },
  opv3: { group: 'Bại liệt (OPV)', title: 'Lần 3' },
  measles1: { group: 'Sởi', title: 'Mũi 1' },
  fullyImmunised: { group: 'Tiêm chủng đầy đủ', title: 'Ngày đủ' },
  dpt4: { group: 'DPT4', title: '18 tháng' },
  measles2: { group: 'Sởi mũi 2', title: '18 tháng' },
};

const MOTHER_TETANUS = 'Uốn ván của mẹ';

/** Every column's title as one line (the CSV's header): a dose's group and its own title. */
export const A2_TITLES: readonly string[] = [
  ...CHILD_COLUMNS.map((c) => c.title),
  ...A2_DOSES.map((d) => `${DOSE_COLUMNS[d].group} - ${DOSE_COLUMNS[d].title}`),
  MOTHER_TETANUS,
  'Ghi chú',
];

/** A row's cells as text, dates as dd/mm/yyyy, in the order of A2_TITLES. */
function cells(row: A2Row): string[] {
  return [
    ...CHILD_COLUMNS.map(({ key }) => (key === 'birthDate' ? vnDate(row.birthDate) : String(row[key]))),
    ...A2_DOSES.map((d) => (row.doses[d] ? vnDate(row.doses[d]) : '')),
    row.motherTetanus,
    row.notes,
  ];
}

/** Counts printed under the table: children, by sex, and how many had each dose. */
export function a2Totals(register: A2Register): { children: number; male: number; female: number; doses: Record<A2Dose, number> } {
  const rows = register.rows;
  const doses = Object.fromEntries(A2_DOSES.map((d) => [d, rows.filter((r) => r.doses[d]).length])) as Record<A2Dose, number>;
  return { children: rows.length, male: rows.filter((r) => r.sex === 'Nam').length, female: rows.filter((r) => r.sex === 'Nữ').length, doses };
}

export function renderA2Html(register: A2Register, config: StationConfig): string {
  const width = A2_TITLES.length;
  // Dose columns of one group share a header cell above their own titles.
  const groups: { group: string; span: number }[] = [];
  for (const d of A2_DOSES) {
    const last = groups.at(-1);
    if (last?.group === DOSE_COLUMNS[d].group) last.span++;
    else groups.push({ group: DOSE_COLUMNS[d].group, span: 1 });
  }
  const thead = [
    `<tr>${CHILD_COLUMNS.map((c) => `<th rowspan="2">${c.title}</th>`).join('')}${groups.map((g) => `<th colspan="${g.span}">${escapeHtml(g.group)}</th>`).join('')}<th rowspan="2">${MOTHER_TETANUS}</th><th rowspan="2">Ghi chú</th></tr>`,
    `<tr>${A2_DOSES.map((d) => `<th>${escapeHtml(DOSE_COLUMNS[d].title)}</th>`).join('')}</tr>`,
    `<tr>${A2_TITLES.map((_, i) => `<th>${i + 1}</th>`).join('')}</tr>`,
  ].join('\n');
  const isDate = (i: number): boolean => i >= CHILD_COLUMNS.length && i < CHILD_COLUMNS.length + A2_DOSES.length;
  const body = register.rows.map((row) => `<tr>${cells(row).map((text, i) => `<td${isDate(i) ? ' class="date"' : ''}>${escapeHtml(text)}</td>`).join('')}</tr>`);
  if (!body.length) body.push(`<tr><td colspan="${width}" class="empty">Không có trẻ nào sinh trong kỳ</td></tr>`);
  const t = a2Totals(register);
  const counted = A2_DOSES.map((d) => `${A2_TITLES[CHILD_COLUMNS.length + A2_DOSES.indexOf(d)]}: ${t.doses[d]}`).join('; ');
  return registerDocument(config, {
    title: `Sổ tiêm chủng trẻ em A2.1/YTCS ${vnDate(register.from)}–${vnDate(register.to)}`,
    form: 'A2.1/YTCS',
    heading: 'SỔ TIÊM CHỦNG TRẺ EM',
    period: `Trẻ sinh từ ngày ${vnDate(register.from)} đến ngày ${vnDate(register.to)}`,
    thead,
    tbody: body.join('\n'),
    footer: `Tổng số trẻ: ${t.children} (nam ${t.male}, nữ ${t.female}). Số trẻ đã tiêm — ${counted}.`,
  });
}

/** Every column as CSV. */
export function renderA2Csv(register: A2Register): string {
  return csvText(A2_TITLES, register.rows.map(cells));
}
