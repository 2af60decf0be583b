import type { QueryRunner } from 'typeorm';

/**
 * An identifier no two current Patients of a station may hold, kept by an exclusion constraint on
 * its index rows (src/fhir/store/unique-identifiers.ts turns a refusal into a 409). The rows exist
 * for the current version of each Patient only (an update replaces them, a deletion removes them),
 * so a deleted record frees its number and a record keeping its number through an update is no
 * conflict.
 *
 * An exclusion constraint rather than a unique index because only a constraint can be partial and
 * deferrable at once. DEFERRABLE INITIALLY IMMEDIATE: checked at the end of each statement, not
 * row by row — an update deletes and re-inserts a Patient's rows in one statement, in no fixed
 * order — and it fails the statement that broke it, inside a Bundle as elsewhere. Creates keep
 * their group commit (create-batch.ts): a batch holding a duplicate fails whole and its creates are
 * tried one by one, so only the duplicate is refused. Two concurrent registrations of one number:
 * the second waits for the first to commit, then fails.
 *
 * The station id leads the constraint, as it leads every key (the Citus distribution column).
 * A database that already holds duplicates is not migrated: the Patients are named (ids only, no
 * number in a log) for staff to merge or correct first.
 */
export async function addUniquePatientIdentifier(q: QueryRunner, constraint: string, system: string, label: string): Promise<void> {
  const rows = `resource_type = 'Patient' AND param = 'identifier' AND system = '${system}'`;
  const duplicates: { station_id: string; ids: string[] }[] = await q.query(
    `SELECT station_id, array_agg(resource_id ORDER BY resource_id) AS ids FROM idx_token WHERE ${rows}
      GROUP BY station_id, code HAVING count(DISTINCT resource_id) > 1 LIMIT 20`,
  );
  if (duplicates.length) {
    const groups = duplicates.map((d) => `${d.station_id}: ${d.ids.map((id) => `Patient/${id}`).join(', ')}`).join('; ');
    throw new Error(`Patients sharing a ${label} must be merged or corrected before this migration can run: ${groups}`);
  }
  await q.query(`ALTER TABLE idx_token ADD CONSTRAINT ${constraint}
    EXCLUDE USING btree (station_id WITH =, code WITH =) WHERE (${rows}) DEFERRABLE INITIALLY IMMEDIATE`);
}
