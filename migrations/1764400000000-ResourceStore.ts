import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The versioned resource store and its search index tables (see docs/storage.md).
 *
 * Content is stored as `json` (the client's text, key order kept, no binary conversion on write):
 * search goes through the index tables, never into content.
 *
 * Every table leads every key with station_id: one deployment will serve many stations, and Citus
 * needs the distribution column in every primary/unique key. Never edit after merge; add a migration.
 */
export class ResourceStore1764400000000 implements MigrationInterface {
  name = 'ResourceStore1764400000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE EXTENSION IF NOT EXISTS unaccent`);
    await q.query(`CREATE EXTENSION IF NOT EXISTS pg_trgm`);
    await q.query(`CREATE EXTENSION IF NOT EXISTS btree_gin`);

    // One monotonic number per write: history and sync feeds page by it, never by timestamp.
    await q.query(`CREATE SEQUENCE resource_seq`);

    await q.query(`
      CREATE TABLE resource (
        station_id    text        NOT NULL,
        resource_type text        NOT NULL,
        id            text        NOT NULL,
        version_id    integer     NOT NULL,
        seq           bigint      NOT NULL,
        last_updated  timestamptz NOT NULL,
        deleted       boolean     NOT NULL DEFAULT false,
        content       json        NOT NULL,
        PRIMARY KEY (station_id, resource_type, id)
      )`);
    await q.query(`CREATE INDEX resource_last_updated ON resource (station_id, resource_type, last_updated)`);

    await q.query(`
      CREATE TABLE resource_history (
        station_id    text        NOT NULL,
        resource_type text        NOT NULL,
        id            text        NOT NULL,
        version_id    integer     NOT NULL,
        seq           bigint      NOT NULL,
        last_updated  timestamptz NOT NULL,
        method        text        NOT NULL,
        content       json,
        PRIMARY KEY (station_id, resource_type, id, version_id)
      )`);
    await q.query(`CREATE UNIQUE INDEX resource_history_seq ON resource_history (station_id, seq)`);
    await q.query(`CREATE INDEX resource_history_type_seq ON resource_history (station_id, resource_type, seq)`);
    await q.query(`CREATE INDEX resource_history_updated ON resource_history (station_id, last_updated)`);

    const owner = `station_id text NOT NULL, resource_type text NOT NULL, resource_id text NOT NULL, param text NOT NULL`;
    await q.query(`CREATE TABLE idx_string (${owner}, value text NOT NULL, exact text NOT NULL)`);
    await q.query(`CREATE INDEX idx_string_value ON idx_string (station_id, resource_type, param, value text_pattern_ops)`);
    await q.query(`CREATE INDEX idx_string_trgm ON idx_string USING gin (station_id, value gin_trgm_ops)`);

    await q.query(`CREATE TABLE idx_token (${owner}, system text, code text, text text)`);
    await q.query(`CREATE INDEX idx_token_code ON idx_token (station_id, resource_type, param, code, system)`);

    await q.query(`CREATE TABLE idx_date (${owner}, lo timestamptz NOT NULL, hi timestamptz NOT NULL)`);
    await q.query(`CREATE INDEX idx_date_range ON idx_date (station_id, resource_type, param, lo, hi)`);

    await q.query(`CREATE TABLE idx_number (${owner}, value numeric NOT NULL)`);
    await q.query(`CREATE INDEX idx_number_value ON idx_number (station_id, resource_type, param, value)`);

    await q.query(`CREATE TABLE idx_quantity (${owner}, value numeric NOT NULL, system text, code text, unit text)`);
    await q.query(`CREATE INDEX idx_quantity_value ON idx_quantity (station_id, resource_type, param, code, value)`);

    await q.query(`CREATE TABLE idx_reference (${owner}, target_type text, target_id text, url text)`);
    await q.query(`CREATE INDEX idx_reference_target ON idx_reference (station_id, target_type, target_id, resource_type, param)`);
    await q.query(`CREATE INDEX idx_reference_url ON idx_reference (station_id, url) WHERE url IS NOT NULL`);

    await q.query(`CREATE TABLE idx_uri (${owner}, value text NOT NULL)`);
    await q.query(`CREATE INDEX idx_uri_value ON idx_uri (station_id, resource_type, param, value)`);

    await q.query(`
      CREATE TABLE idx_compartment (
        station_id text NOT NULL, resource_type text NOT NULL, resource_id text NOT NULL,
        compartment_type text NOT NULL, compartment_id text NOT NULL
      )`);
    await q.query(
      `CREATE INDEX idx_compartment_member ON idx_compartment (station_id, compartment_type, compartment_id, resource_type)`,
    );

    // Every index table is rewritten per resource on each write: find its rows by owner.
    for (const table of ['idx_string', 'idx_token', 'idx_date', 'idx_number', 'idx_quantity', 'idx_reference', 'idx_uri', 'idx_compartment']) {
      await q.query(`CREATE INDEX ${table}_owner ON ${table} (station_id, resource_type, resource_id)`);
    }
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of ['idx_compartment', 'idx_uri', 'idx_reference', 'idx_quantity', 'idx_number', 'idx_date', 'idx_token', 'idx_string', 'resource_history', 'resource']) {
      await q.query(`DROP TABLE ${table}`);
    }
    await q.query(`DROP SEQUENCE resource_seq`);
  }
}
