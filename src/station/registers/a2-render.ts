import type { StationConfig } from '../config';
import { A2_DOSES, type A2Dose, type A2Register, type A2Row } from './a2';
import type { DosesGiven } from './a2-doses';
import { csvText, escapeHtml, registerDocument, shortVnDate, vnDate } from './render';

/** The A2.1/YTCS register as a printable Vietnamese HTML page and as CSV, in the book's column order. */

/** The columns about the child, before the doses. */
const CHILD_COLUMNS: { key: Exclude<keyof A2Row, 'doses' | 'motherTetanus'>; title: string }[] = [
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

/** Each dose column's title as one line: its group and its own title. */
const DOSE_TITLES: readonly string[] = A2_DOSES.map((d) => `${DOSE_COLUMNS[d].group} - ${DOSE_COLUMNS[d].title}`);

/** Every column's title as one line (the CSV's header). */
export const A2_TITLES: readonly string[] = [...CHILD_COLUMNS.map((c) => c.title), ...DOSE_TITLES, MOTHER_TETANUS, 'Ghi chú'];

/** The columns kept on one line in print: the child's and the carer's names, the village, the mother's tetanus. */
const ONE_LINE: ReadonlySet<number> = new Set([...['name', 'carer', 'address'].map((key) => CHILD_COLUMNS.findIndex((c) => c.key === key)), A2_TITLES.indexOf(MOTHER_TETANUS)]);

/** The mother's tetanus doses as the book writes them: "2 mũi, mũi cuối 10/10/2024", or "Chưa tiêm". */
function tetanusText(tetanus: A2Row['motherTetanus'], date: (date: string) => string): string {
  if (!tetanus) return '';
  return tetanus.last ? `${tetanus.doses} mũi, mũi cuối ${date(tetanus.last)}` : 'Chưa tiêm';
}

/** A row's cells as text, in the order of A2_TITLES: dates as dd/mm/yyyy, or the doses' dd/mm/yy for print. */
function cells(row: A2Row, doseDate: (date: string) => string = vnDate): string[] {
  return [
    ...CHILD_COLUMNS.map(({ key }) => (key === 'birthDate' ? vnDate(row.birthDate) : String(row[key]))),
    ...A2_DOSES.map((d) => (row.doses[d] ? doseDate(row.doses[d]) : '')),
    tetanusText(row.motherTetanus, doseDate),
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
  const cellClass = (i: number): string => (isDate(i) ? ' class="date"' : ONE_LINE.has(i) ? ' class="one-line"' : '');
  const body = register.rows.map((row) => `<tr>${cells(row, shortVnDate).map((text, i) => `<td${cellClass(i)}>${escapeHtml(text)}</td>`).join('')}</tr>`);
  if (!body.length) body.push(`<tr><td colspan="${width}" class="empty">Không có trẻ nào sinh trong kỳ</td></tr>`);
  const t = a2Totals(register);
  const counted = A2_DOSES.map((d, i) => `${DOSE_TITLES[i]}: ${t.doses[d]}`).join('; ');
  return registerDocument(config, {
    title: `Sổ tiêm chủng trẻ em A2.1/YTCS ${vnDate(register.from)}–${vnDate(register.to)}`,
    form: 'A2.1/YTCS',
    heading: 'SỔ TIÊM CHỦNG TRẺ EM',
    period: `Trẻ sinh từ ngày ${vnDate(register.from)} đến ngày ${vnDate(register.to)} — ngày tiêm ghi ngày/tháng/năm (2 số cuối)`,
    thead,
    tbody: body.join('\n'),
    footer: `Tổng số trẻ: ${t.children} (nam ${t.male}, nữ ${t.female}). Số trẻ đã tiêm — ${counted}.`,
    // Twenty-one columns on an A4 landscape page: a smaller type, and names and villages kept on one line.
    style: 'table { font-size: 9.5pt; } td.one-line { white-space: nowrap; }',
  });
}

/** Every column as CSV. */
export function renderA2Csv(register: A2Register): string {
  return csvText(A2_TITLES, register.rows.map((row) => cells(row)));
}

/** The doses given in a period by village (a2-doses.ts): one row per village, then the commune's. */
function dosesRows(report: DosesGiven): string[][] {
  const counts = (doses: Record<A2Dose, number>): string[] => A2_DOSES.map((d) => String(doses[d]));
  return [...report.villages.map((v) => [v.village || 'Không rõ địa chỉ', ...counts(v.doses)]), ['Cả xã', ...counts(report.total)]];
}

export function renderDosesHtml(report: DosesGiven, config: StationConfig): string {
  const rows = dosesRows(report);
  return registerDocument(config, {
    title: `Báo cáo tiêm chủng trẻ em ${vnDate(report.from)}–${vnDate(report.to)}`,
    form: 'A2.1/YTCS',
    heading: 'BÁO CÁO TIÊM CHỦNG TRẺ EM',
    period: `Số trẻ được tiêm từng mũi từ ngày ${vnDate(report.from)} đến ngày ${vnDate(report.to)}, theo thôn nơi trẻ sống`,
    thead: `<tr><th>Thôn</th>${DOSE_TITLES.map((t) => `<th>${escapeHtml(t)}</th>`).join('')}</tr>`,
    tbody: rows.map((cells, i) => `<tr${i === rows.length - 1 ? ' class="total"' : ''}>${cells.map((c) => `<td>${escapeHtml(c)}</td>`).join('')}</tr>`).join('\n'),
    footer: 'Tính từ sổ tiêm chủng trẻ em (A2.1/YTCS) của trẻ sinh trong ba năm trước kỳ báo cáo; "Tiêm chủng đầy đủ" đếm trẻ đủ mũi cơ bản trước 1 tuổi vào ngày trong kỳ.',
    style: 'tr.total td { font-weight: bold; } td + td { text-align: right; }',
  });
}

export function renderDosesCsv(report: DosesGiven): string {
  return csvText(['Thôn', ...DOSE_TITLES], dosesRows(report));
}
