import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Accounts, OAuth clients, authorization codes, grants and refresh tokens (docs/security.md).
 * Secrets are stored only as hashes (argon2 for passwords, SHA-256 for random tokens).
 * Every key leads with station_id, like the resource store.
 */
export class Auth1764600000000 implements MigrationInterface {
  name = 'Auth1764600000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE account (
        station_id      text        NOT NULL,
        id              text        NOT NULL,
        kind            text        NOT NULL CHECK (kind IN ('staff', 'resident')),
        username        text        NOT NULL,
        password_hash   text,
        roles           text[]      NOT NULL DEFAULT '{}',
        practitioner_id text,
        patient_id      text,
        activation_hash text,
        activation_expires timestamptz,
        failed_logins   integer     NOT NULL DEFAULT 0,
        locked_until    timestamptz,
        disabled        boolean     NOT NULL DEFAULT false,
        created_at      timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (station_id, id),
        UNIQUE (station_id, username)
      )`);
    await q.query(`CREATE INDEX account_patient ON account (station_id, patient_id) WHERE patient_id IS NOT NULL`);

    await q.query(`
      CREATE TABLE oauth_client (
        station_id    text        NOT NULL,
        client_id     text        NOT NULL,
        name          text        NOT NULL,
        auth_method   text        NOT NULL CHECK (auth_method IN ('none', 'client_secret_basic', 'private_key_jwt')),
        secret_hash   text,
        redirect_uris text[]      NOT NULL DEFAULT '{}',
        grant_types   text[]      NOT NULL,
        scope         text        NOT NULL,
        jwks          json,
        jwks_uri      text,
        created_by    text,
        created_at    timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (station_id, client_id)
      )`);

    await q.query(`
      CREATE TABLE oauth_grant (
        station_id  text        NOT NULL,
        id          text        NOT NULL,
        client_id   text        NOT NULL,
        account_id  text,
        patient_id  text,
        scope       text        NOT NULL,
        revoked_at  timestamptz,
        created_at  timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (station_id, id)
      )`);
    await q.query(`CREATE INDEX oauth_grant_patient ON oauth_grant (station_id, patient_id) WHERE patient_id IS NOT NULL`);

    await q.query(`
      CREATE TABLE oauth_code (
        station_id     text        NOT NULL,
        code_hash      text        NOT NULL,
        client_id      text        NOT NULL,
        account_id     text        NOT NULL,
        redirect_uri   text        NOT NULL,
        scope          text        NOT NULL,
        code_challenge text        NOT NULL,
        expires_at     timestamptz NOT NULL,
        used_at        timestamptz,
        grant_id       text,
        PRIMARY KEY (station_id, code_hash)
      )`);

    await q.query(`
      CREATE TABLE oauth_refresh (
        station_id  text        NOT NULL,
        token_hash  text        NOT NULL,
        grant_id    text        NOT NULL,
        expires_at  timestamptz NOT NULL,
        used_at     timestamptz,
        PRIMARY KEY (station_id, token_hash)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of ['oauth_refresh', 'oauth_code', 'oauth_grant', 'oauth_client', 'account']) await q.query(`DROP TABLE ${table}`);
  }
}
