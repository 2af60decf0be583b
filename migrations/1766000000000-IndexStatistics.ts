import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Extended planner statistics on the search index tables (docs/search.md §8). A lookup is
 * `resource_type = … AND param = … AND <value>`, and these columns are far from independent: a
 * parameter belongs to one or a few types, and a value to a parameter ('female' is only ever a
 * gender). PostgreSQL multiplies the selectivities of single columns, so `Patient?gender=female`
 * (50,000 matches at 100,000 residents) was estimated at 13 rows and its page became a nested loop
 * over every match (590–730 ms); with these statistics the estimate is right and the page is a
 * merge semi-join that stops at the page's end (3.2 ms).
 *
 * `dependencies` corrects the product for any values; `mcv` keeps the frequent combinations
 * themselves. The value column is included where lookups compare it for equality (token and
 * quantity codes, uris, the target type of a reference); string, date and number values are
 * compared by range or prefix, which these statistics do not estimate, so those get (type, param).
 * The statistics are filled by the next ANALYZE (the server runs one after migrations).
 */
const INDEX_STATISTICS: Record<string, string[]> = {
  idx_token: ['resource_type', 'param', 'code'],
  idx_quantity: ['resource_type', 'param', 'code'],
  idx_uri: ['resource_type', 'param', 'value'],
  idx_reference: ['resource_type', 'param', 'target_type'],
  idx_string: ['resource_type', 'param'],
  idx_date: ['resource_type', 'param'],
  idx_number: ['resource_type', 'param'],
};

export class IndexStatistics1766000000000 implements MigrationInterface {
  name = 'IndexStatistics1766000000000';

  async up(q: QueryRunner): Promise<void> {
    for (const [table, columns] of Object.entries(INDEX_STATISTICS)) {
      await q.query(`CREATE STATISTICS IF NOT EXISTS ${table}_param_stats (dependencies, mcv) ON ${columns.join(', ')} FROM ${table}`);
    }
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of Object.keys(INDEX_STATISTICS)) await q.query(`DROP STATISTICS IF EXISTS ${table}_param_stats`);
  }
}
