import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * idx_reference_lookup keeps a target's rows in resource id order, as idx_token_lookup keeps a
 * code's (1767000000000-OrderedSearchIndexes): the resource id moves from INCLUDE into the key.
 * A page of one reference filter (`Encounter?participant=Practitioner/…`, `Observation?subject=…`)
 * is then the first ids of the target's rows after the cursor (search/plan.ts `idWalk`): a page's
 * worth of rows, where the lookup read every match, fetched each resource and sorted them — a
 * practitioner's thousands of visits for a page of twenty. Lookups by target read the same index
 * as before; the index is as large (INCLUDE indexes are not de-duplicated either).
 */
export class ReferenceRowsInIdOrder1767300000000 implements MigrationInterface {
  name = 'ReferenceRowsInIdOrder1767300000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX idx_reference_lookup`);
    await q.query(`CREATE INDEX idx_reference_lookup ON idx_reference (station_id, target_type, target_id, resource_type, param, resource_id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX idx_reference_lookup`);
    await q.query(`CREATE INDEX idx_reference_lookup ON idx_reference (station_id, target_type, target_id, resource_type, param) INCLUDE (resource_id)`);
  }
}
