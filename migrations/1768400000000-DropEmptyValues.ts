import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Writes refuse empty values since this migration's release (src/fhir/validate/shape.ts): R4's
 * JSON leaves an element without a value out, so `""`, `[]` and `{}` are errors. The station's own
 * builders wrote some before (a resident registered without an ID card had `"identifier": []`, a
 * one-word name `"given": []`, a visit without diagnosis `"diagnosis": []`), and the web app sends a
 * stored record back with a change (enrolment, a household joined): such a record could not be
 * saved again. So the current content of every resource is cleaned here: an element whose value is
 * empty (after its own empty elements are dropped) is left out, which is what R4 says it means.
 * The version stays the same — the content means the same — and past versions are kept as written.
 *
 * In an array beside its `_x` sibling (a repeating primitive's extensions, matched by position) no
 * item is dropped, so the two stay aligned; elsewhere an empty item is dropped. Only rows whose text
 * holds `[]`, `{}` or `""` are read; a row whose cleaned content is unchanged is not written.
 */
export class DropEmptyValues1768400000000 implements MigrationInterface {
  name = 'DropEmptyValues1768400000000';

  async up(q: QueryRunner): Promise<void> {
    let after: [string, string, string] = ['', '', ''];
    for (;;) {
      const rows: { station_id: string; resource_type: string; id: string; content: string }[] = await q.query(
        `SELECT station_id, resource_type, id, content::text AS content FROM resource
          WHERE (station_id, resource_type, id) > ($1, $2, $3) AND NOT deleted AND content::text ~ '\\[\\s*\\]|\\{\\s*\\}|""'
          ORDER BY station_id, resource_type, id LIMIT 500`,
        after,
      );
      for (const row of rows) {
        const stored = JSON.parse(row.content) as unknown;
        // A resource keeps its resourceType, so something is always left of it.
        const cleaned = JSON.stringify(withoutEmpty(stored));
        if (cleaned === JSON.stringify(stored)) continue;
        await q.query(`UPDATE resource SET content = $4::json WHERE station_id = $1 AND resource_type = $2 AND id = $3`, [row.station_id, row.resource_type, row.id, cleaned]);
      }
      if (rows.length < 500) return;
      const last = rows[rows.length - 1];
      after = [last.station_id, last.resource_type, last.id];
    }
  }

  async down(): Promise<void> {
    // Nothing to undo: an empty value and an absent one mean the same in R4.
  }
}

/**
 * The value without its empty elements; undefined when nothing is left of it. Beside a `_x` sibling
 * (`keepItems`) an emptied item becomes null, which R4 allows there, instead of being dropped.
 */
function withoutEmpty(value: unknown, keepItems = false): unknown {
  if (value === '') return undefined;
  if (Array.isArray(value)) {
    const items = value.map((item) => (item === null ? undefined : withoutEmpty(item)));
    if (keepItems) return items.every((item) => item === undefined) ? undefined : items.map((item) => item ?? null);
    const kept = items.filter((item) => item !== undefined);
    return kept.length ? kept : undefined;
  }
  if (typeof value !== 'object' || value === null) return value;
  const object = value as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(object)) {
    const sibling = key.startsWith('_') ? key.slice(1) : `_${key}`;
    const cleaned = withoutEmpty(item, Array.isArray(item) && Array.isArray(object[sibling]));
    if (cleaned !== undefined) out[key] = cleaned;
  }
  return Object.keys(out).length ? out : undefined;
}
