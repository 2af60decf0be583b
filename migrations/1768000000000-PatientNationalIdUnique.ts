import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A personal ID (CCCD) names one person: no two current Patients of a station may hold the same
 * one (docs/station/model.md). The rule sits on the identifier's index rows, which exist for the
 * current version of each Patient only (an update replaces them, a deletion removes them), so a
 * deleted record frees its number and a record keeping its number through an update is no conflict.
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
 */
const CONSTRAINT = 'patient_national_id_unique';
const ROWS = `resource_type = 'Patient' AND param = 'identifier' AND system = 'http://fhir.ehealth.gov.vn/core/sid/national_id'`;

export class PatientNationalIdUnique1768000000000 implements MigrationInterface {
  name = 'PatientNationalIdUnique1768000000000';

  async up(q: QueryRunner): Promise<void> {
    const duplicates: { station_id: string; ids: string[] }[] = await q.query(
      `SELECT station_id, array_agg(resource_id ORDER BY resource_id) AS ids FROM idx_token WHERE ${ROWS}
        GROUP BY station_id, code HAVING count(DISTINCT resource_id) > 1 LIMIT 20`,
    );
    if (duplicates.length) {
      // Record ids only (no personal ID in a log): staff merge or correct these records, then start again.
      const groups = duplicates.map((d) => `${d.station_id}: ${d.ids.map((id) => `Patient/${id}`).join(', ')}`).join('; ');
      throw new Error(`Patients sharing a personal ID (CCCD) must be merged or corrected before this migration can run: ${groups}`);
    }
    await q.query(`ALTER TABLE idx_token ADD CONSTRAINT ${CONSTRAINT}
      EXCLUDE USING btree (station_id WITH =, code WITH =) WHERE (${ROWS}) DEFERRABLE INITIALLY IMMEDIATE`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE idx_token DROP CONSTRAINT ${CONSTRAINT}`);
  }
}
