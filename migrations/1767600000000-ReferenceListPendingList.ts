import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The GIN index of the access log's reference lists gets a short pending list (64 kB).
 *
 * Without one (`fastupdate = off`, migration 1767400000000) each access record put its ~21 keys
 * into the tree one by one: measured by replaying the audit queue's statements of a name-search
 * load (~39 records each) against a copy of the 10,000-resident station, interleaved statement by
 * statement, PostgreSQL spent 299 µs per record, 240 with a 64 kB pending list and 240 with 256 kB,
 * 217 with no reference list at all. A pending list is merged into the tree in one sorted pass when
 * it fills, which costs far less per key. Its cost is on the reading side: every search by key scans
 * all of it, which is why 1767400000000 had none (the default 4 MB list cost an access-log search
 * 1.1 ms); 64 kB is eight pages, a few dozen records.
 */
export class ReferenceListPendingList1767600000000 implements MigrationInterface {
  name = 'ReferenceListPendingList1767600000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER INDEX idx_reference_list_keys SET (fastupdate = on, gin_pending_list_limit = 64)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER INDEX idx_reference_list_keys SET (fastupdate = off)`);
    await q.query(`ALTER INDEX idx_reference_list_keys RESET (gin_pending_list_limit)`);
    // Turning the list off does not empty it: what it holds is merged into the tree here.
    await q.query(`SELECT gin_clean_pending_list('idx_reference_list_keys')`);
  }
}
