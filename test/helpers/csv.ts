/** Parses CSV as the registers write it (RFC 4180, CRLF, a BOM first; quoted fields may hold commas). */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  for (const line of text.replace(/^\uFEFF/, '').trimEnd().split('\r\n')) {
    const cells: string[] = [];
    let cell = '';
    let quoted = false;
    for (let i = 0; i < line.length; i++) {
      const ch = line[i];
      if (quoted && ch === '"' && line[i + 1] === '"') (cell += '"'), i++;
      else if (ch === '"') quoted = !quoted;
      else if (ch === ',' && !quoted) cells.push(cell), (cell = '');
      else cell += ch;
    }
    rows.push([...cells, cell]);
  }
  return rows;
}
