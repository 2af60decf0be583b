/** Number formatting and plain-text tables for bench output (English figures: 1,234.5). */

export function formatInt(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

export function formatNumber(n: number, digits = 1): string {
  return n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

export function formatMs(ms: number): string {
  return `${formatNumber(ms, ms < 10 ? 2 : 1)} ms`;
}

export function formatSeconds(ms: number): string {
  return `${formatNumber(ms / 1000, 2)} s`;
}

/** Left-aligned columns separated by two spaces, with a rule under the header. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] ?? '').length)));
  const line = (cells: string[]): string =>
    cells
      .map((cell, i) => cell.padEnd(widths[i]))
      .join('  ')
      .trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

/** A section title for the running log. */
export function heading(title: string): string {
  return `\n== ${title} ==`;
}

/** p-th percentile (0-100) of ascending-sorted values, nearest-rank method. */
export function percentile(sorted: readonly number[], p: number): number {
  if (!sorted.length) return NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
}
