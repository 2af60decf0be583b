import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Every text column of the resource store and its index tables compares byte by byte (COLLATE "C").
 * Under a linguistic collation (C.UTF-8, en_US.UTF-8, vi_VN…) each B-tree comparison goes through
 * the locale, and B-tree inserts are half of PostgreSQL's CPU on a write (perf, `npm run bench`).
 * Nothing here needs linguistic order: keys are ids, codes, URLs, and string values already folded
 * to lower-case ASCII (docs/search.md), whose byte order is their alphabetical order.
 */
export const BYTE_ORDER_COLUMNS: Record<string, string[]> = {
  resource: ['station_id', 'resource_type', 'id'],
  resource_history: ['station_id', 'resource_type', 'id', 'method'],
  idx_string: ['station_id', 'resource_type', 'resource_id', 'param', 'value', 'exact'],
  idx_token: ['station_id', 'resource_type', 'resource_id', 'param', 'system', 'code', 'text'],
  idx_date: ['station_id', 'resource_type', 'resource_id', 'param'],
  idx_number: ['station_id', 'resource_type', 'resource_id', 'param'],
  idx_quantity: ['station_id', 'resource_type', 'resource_id', 'param', 'system', 'code', 'unit'],
  idx_reference: ['station_id', 'resource_type', 'resource_id', 'param', 'target_type', 'target_id', 'url'],
  idx_uri: ['station_id', 'resource_type', 'resource_id', 'param', 'value'],
  idx_compartment: ['station_id', 'resource_type', 'resource_id', 'compartment_type', 'compartment_id'],
};

export class ByteOrderKeys1765100000000 implements MigrationInterface {
  name = 'ByteOrderKeys1765100000000';

  async up(q: QueryRunner): Promise<void> {
    await this.set(q, '"C"');
  }

  async down(q: QueryRunner): Promise<void> {
    await this.set(q, '"default"');
  }

  private async set(q: QueryRunner, collation: string): Promise<void> {
    // One ALTER per table: PostgreSQL rewrites the table and rebuilds its indexes once.
    for (const [table, columns] of Object.entries(BYTE_ORDER_COLUMNS)) {
      await q.query(`ALTER TABLE ${table} ${columns.map((c) => `ALTER COLUMN ${c} TYPE text COLLATE ${collation}`).join(', ')}`);
    }
  }
}
