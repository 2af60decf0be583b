import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Search indexes shaped for the queries of src/fhir/search (docs/search.md, "Indexes"):
 *  - every lookup index carries resource_id (INCLUDE), so a condition is an index-only scan;
 *  - idx_date gets an index on `hi` for `gt`/`sa`-style comparisons (the end of the range);
 *  - idx_quantity gets (param, value) for searches without a unit;
 *  - idx_compartment is keyed (compartment, type, id): a compartment search or a page of
 *    $everything is one index range, in the order pages are cut.
 * Each replaced index is dropped after its successor exists.
 */
export class SearchIndexes1764700000000 implements MigrationInterface {
  name = 'SearchIndexes1764700000000';

  async up(q: QueryRunner): Promise<void> {
    const replace = async (old: string, create: string): Promise<void> => {
      await q.query(create);
      await q.query(`DROP INDEX IF EXISTS ${old}`);
    };
    await replace('idx_string_value', `CREATE INDEX idx_string_lookup ON idx_string (station_id, resource_type, param, value text_pattern_ops) INCLUDE (resource_id)`);
    await replace('idx_token_code', `CREATE INDEX idx_token_lookup ON idx_token (station_id, resource_type, param, code, system) INCLUDE (resource_id)`);
    await replace('idx_date_range', `CREATE INDEX idx_date_lo ON idx_date (station_id, resource_type, param, lo, hi) INCLUDE (resource_id)`);
    await q.query(`CREATE INDEX idx_date_hi ON idx_date (station_id, resource_type, param, hi, lo) INCLUDE (resource_id)`);
    await replace('idx_number_value', `CREATE INDEX idx_number_lookup ON idx_number (station_id, resource_type, param, value) INCLUDE (resource_id)`);
    await replace('idx_quantity_value', `CREATE INDEX idx_quantity_code ON idx_quantity (station_id, resource_type, param, code, value) INCLUDE (resource_id, system)`);
    await q.query(`CREATE INDEX idx_quantity_value ON idx_quantity (station_id, resource_type, param, value) INCLUDE (resource_id)`);
    await replace(
      'idx_reference_target',
      `CREATE INDEX idx_reference_lookup ON idx_reference (station_id, target_type, target_id, resource_type, param) INCLUDE (resource_id)`,
    );
    await replace('idx_uri_value', `CREATE INDEX idx_uri_lookup ON idx_uri (station_id, resource_type, param, value) INCLUDE (resource_id)`);
    await replace(
      'idx_compartment_member',
      `CREATE INDEX idx_compartment_lookup ON idx_compartment (station_id, compartment_type, compartment_id, resource_type, resource_id)`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    const restore: [string, string][] = [
      ['idx_string_lookup', `CREATE INDEX idx_string_value ON idx_string (station_id, resource_type, param, value text_pattern_ops)`],
      ['idx_token_lookup', `CREATE INDEX idx_token_code ON idx_token (station_id, resource_type, param, code, system)`],
      ['idx_date_lo', `CREATE INDEX idx_date_range ON idx_date (station_id, resource_type, param, lo, hi)`],
      ['idx_number_lookup', `CREATE INDEX idx_number_value ON idx_number (station_id, resource_type, param, value)`],
      ['idx_quantity_code', `CREATE INDEX idx_quantity_value_old ON idx_quantity (station_id, resource_type, param, code, value)`],
      ['idx_reference_lookup', `CREATE INDEX idx_reference_target ON idx_reference (station_id, target_type, target_id, resource_type, param)`],
      ['idx_uri_lookup', `CREATE INDEX idx_uri_value ON idx_uri (station_id, resource_type, param, value)`],
      ['idx_compartment_lookup', `CREATE INDEX idx_compartment_member ON idx_compartment (station_id, compartment_type, compartment_id, resource_type)`],
    ];
    await q.query(`DROP INDEX IF EXISTS idx_date_hi`);
    await q.query(`DROP INDEX IF EXISTS idx_quantity_value`);
    for (const [current, create] of restore) {
      await q.query(create);
      await q.query(`DROP INDEX IF EXISTS ${current}`);
    }
    await q.query(`ALTER INDEX idx_quantity_value_old RENAME TO idx_quantity_value`);
  }
}
