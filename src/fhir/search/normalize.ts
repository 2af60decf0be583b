/**
 * Folding used for string search, on both the stored value and the query, so they always agree.
 *
 * Lower case, every diacritic removed, and đ/Đ → d: Unicode NFD does not decompose đ (it is its own
 * letter), which is why HAPI's folding misses "Đức" for "duc". Stacked marks (ế = ê + ́) all go,
 * since NFD splits them into separate combining characters. White space collapses to one space.
 */
export function normalizeString(text: string): string {
  return text
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[đĐ]/g, 'd')
    .toLowerCase()
    .replace(/\s+/g, ' ')
    .trim();
}
