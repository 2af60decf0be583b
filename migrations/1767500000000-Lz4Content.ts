import { MigrationInterface, QueryRunner } from 'typeorm';

/** The columns that hold resources' JSON, large enough to be compressed (over ~2 kB). */
const CONTENT_COLUMNS = [
  ['resource', 'content'],
  ['resource_history', 'content'],
] as const;

/**
 * Resources' JSON compressed with LZ4 rather than PostgreSQL's default pglz, where the server has
 * it. Every read and search stores an AuditEvent naming what it returned — ~6 kB for a page of
 * twenty Patients, past the 2 kB at which PostgreSQL compresses — in the head and in the history,
 * so each search paid two pglz compressions: measured on such records (2,000 at a time), PostgreSQL's CPU
 * per such row went from 145–210 to 105–150 µs with LZ4 (docs/storage.md, "Compression"); storing them
 * uncompressed saved no more and took five times the space. Large resources (claims, reports with
 * attachments) compress and decompress faster too. Values already stored keep their method, which
 * PostgreSQL reads either way. A server built without LZ4 (the embedded PGlite) keeps pglz.
 */
export class Lz4Content1767500000000 implements MigrationInterface {
  name = 'Lz4Content1767500000000';

  async up(q: QueryRunner): Promise<void> {
    const [{ lz4 }] = (await q.query(`SELECT 'lz4' = ANY (enumvals) AS lz4 FROM pg_settings WHERE name = 'default_toast_compression'`)) as { lz4: boolean }[];
    if (!lz4) return;
    for (const [table, column] of CONTENT_COLUMNS) await q.query(`ALTER TABLE ${table} ALTER COLUMN ${column} SET COMPRESSION lz4`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const [table, column] of CONTENT_COLUMNS) await q.query(`ALTER TABLE ${table} ALTER COLUMN ${column} SET COMPRESSION default`);
  }
}
