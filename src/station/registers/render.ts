import type { StationConfig } from '../config';

/** What the printed registers share: Vietnamese dates, HTML escaping, the printed page, and CSV a spreadsheet opens. */

/** dd/mm/yyyy, as Vietnamese registers write dates. */
export function vnDate(date: string): string {
  const [y, m, d] = date.split('-');
  return `${d}/${m}/${y}`;
}

/** dd/mm/yy: a register with many date columns prints them short so a row fits the page's width. */
export function shortVnDate(date: string): string {
  const [y, m, d] = date.split('-');
  return `${d}/${m}/${y.slice(2)}`;
}

export const escapeHtml = (text: string): string =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** CSV (RFC 4180, UTF-8 with BOM so spreadsheet programs read the Vietnamese letters): a header line, then the rows. */
export function csvText(header: readonly string[], rows: readonly (readonly (string | number)[])[]): string {
  const field = (value: string | number): string => {
    const text = String(value);
    return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
  };
  const lines = [header, ...rows].map((cells) => cells.map(field).join(','));
  return `\uFEFF${lines.join('\r\n')}\r\n`;
}

/** The parts of a printed register page that differ from one book to another. */
export interface RegisterPage {
  /** The page's title (a saved or printed file is named after it). */
  title: string;
  /** The form's code in the top corner, e.g. "A1/YTCS". */
  form: string;
  /** The book's name as printed, e.g. "SỔ KHÁM BỆNH". */
  heading: string;
  /** The line under the heading (the period). */
  period: string;
  /** The table's header rows and body rows (HTML, already escaped). */
  thead: string;
  tbody: string;
  /** A line of totals under the table (plain text). */
  footer: string;
  /** CSS of this book's own, after the shared style. */
  style?: string;
}

/** A register as a printable Vietnamese HTML page: A4 landscape, the station and commune in the top corner. */
export function registerDocument(config: StationConfig, page: RegisterPage): string {
  return `<!DOCTYPE html>
<html lang="vi">
<head>
<meta charset="utf-8">
<title>${escapeHtml(page.title)}</title>
<style>
${REGISTER_STYLE}${page.style ? `\n${page.style}` : ''}
</style>
</head>
<body>
<header><div>${escapeHtml(config.station.name)}<br>Xã ${escapeHtml(config.commune.name)}, tỉnh ${escapeHtml(config.province.name)}</div><div>Mẫu ${escapeHtml(page.form)}</div></header>
<h1>${escapeHtml(page.heading)}</h1>
<p class="period">${escapeHtml(page.period)}</p>
<table>
<thead>
${page.thead}
</thead>
<tbody>
${page.tbody}
</tbody>
</table>
<p>${escapeHtml(page.footer)}</p>
</body>
</html>
`;
}

const REGISTER_STYLE = `@page { size: A4 landscape; margin: 12mm; }
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
td.date { white-space: nowrap; }
@media print { body { margin: 0; } }`;
