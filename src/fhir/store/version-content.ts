/**
 * Where a version's content is (docs/storage.md, "Tables"): the current version's only in the head
 * row, every earlier version's in its history row. A history row is written without content, and
 * gets it when the next version supersedes it (write.ts, the `fill` of an update) — so a create,
 * by far the most common write (every visit's records, every access's AuditEvent), stores its JSON
 * once instead of twice. A deletion's row has none; rows written before this layout keep their copy.
 *
 * The content of history row `alias`, as SQL: its own, else the head's while it is still that
 * version. The head is read only for a row without content (COALESCE evaluates lazily).
 */
export function versionContent(alias: string): string {
  return `COALESCE(${alias}.content, (SELECT cur.content FROM resource cur
    WHERE cur.station_id = ${alias}.station_id AND cur.resource_type = ${alias}.resource_type AND cur.id = ${alias}.id
      AND cur.version_id = ${alias}.version_id AND ${alias}.method <> 'DELETE'))`;
}
