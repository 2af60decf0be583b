/**
 * Independent expectations for the search tests: plain JavaScript written from the FHIR spec's
 * wording, deliberately not sharing code with src/fhir/search, so a bug in the engine's folding
 * or date arithmetic cannot make its own test pass.
 */

/** Vietnamese letters with their base letter, written out (not derived from Unicode tables). */
const VIETNAMESE: Record<string, string> = {
  a: 'àáạảãâầấậẩẫăằắặẳẵ',
  e: 'èéẹẻẽêềếệểễ',
  i: 'ìíịỉĩ',
  o: 'òóọỏõôồốộổỗơờớợởỡ',
  u: 'ùúụủũưừứựửữ',
  y: 'ỳýỵỷỹ',
  d: 'đ',
};
const BASE = new Map<string, string>();
for (const [base, letters] of Object.entries(VIETNAMESE)) for (const ch of letters) BASE.set(ch, base);

/** Case- and accent-insensitive form, for Vietnamese and plain Latin text. */
export function fold(text: string): string {
  return [...text.toLowerCase()].map((ch) => BASE.get(ch) ?? ch).join('').replace(/\s+/g, ' ').trim();
}

/**
 * True when `query` starts the text or one of its words, folded (the engine's string default); a
 * word starts after a space, a hyphen or an apostrophe ("H'Hen Niê", "Y-Moan").
 */
export function startsWord(text: string, query: string): boolean {
  const t = fold(text);
  const q = fold(query);
  if (t.startsWith(q)) return true;
  return [...t].some((ch, i) => /[ '’-]/.test(ch) && !/[ '’-]/.test(t[i + 1] ?? ' ') && t.startsWith(q, i + 1));
}

/** Station zone offset used by the date oracle: Asia/Ho_Chi_Minh has been UTC+7, no DST, since 1975. */
const STATION_OFFSET = '+07:00';

/** [start, end) in ms of a FHIR date/dateTime at its precision, reading a missing zone as UTC+7. */
export function range(text: string): [number, number] {
  const [datePart, timePart] = text.split('T');
  const [y, m, d] = datePart.split('-').map(Number);
  if (!timePart) {
    if (m === undefined) return [Date.parse(`${y}-01-01T00:00:00${STATION_OFFSET}`), Date.parse(`${y + 1}-01-01T00:00:00${STATION_OFFSET}`)];
    const mm = String(m).padStart(2, '0');
    if (d === undefined) {
      const next = m === 12 ? `${y + 1}-01` : `${y}-${String(m + 1).padStart(2, '0')}`;
      return [Date.parse(`${y}-${mm}-01T00:00:00${STATION_OFFSET}`), Date.parse(`${next}-01T00:00:00${STATION_OFFSET}`)];
    }
    const start = Date.parse(`${datePart}T00:00:00${STATION_OFFSET}`);
    return [start, start + 24 * 3600 * 1000];
  }
  const zoned = /(Z|[+-]\d{2}:\d{2})$/.test(timePart);
  const clock = zoned ? timePart.replace(/(Z|[+-]\d{2}:\d{2})$/, '') : timePart;
  const zone = zoned ? timePart.slice(clock.length) : STATION_OFFSET;
  const pieces = clock.split(':');
  const width = pieces.length === 2 ? 60_000 : clock.includes('.') ? 10 ** (3 - clock.split('.')[1].length) : 1000;
  const start = Date.parse(`${datePart}T${pieces.length === 2 ? clock + ':00' : clock}${zone}`);
  return [start, start + width];
}

/** The R4 prefix table (search.html#prefix) for a target range against a query range. */
export function datePrefixMatches(prefix: string, target: [number, number], query: [number, number]): boolean {
  const [tlo, thi] = target;
  const [qlo, qhi] = query;
  const contained = tlo >= qlo && thi <= qhi;
  switch (prefix) {
    case 'eq':
      return contained;
    case 'ne':
      return !contained;
    case 'gt':
      return thi > qhi;
    case 'lt':
      return tlo < qlo;
    case 'ge':
      return thi > qhi || contained;
    case 'le':
      return tlo < qlo || contained;
    case 'sa':
      return tlo >= qhi;
    case 'eb':
      return thi <= qlo;
    default:
      throw new Error(`no oracle for ${prefix}`);
  }
}
