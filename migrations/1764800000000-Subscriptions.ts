import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The notification queue of R4 Subscriptions (src/subscriptions/, docs/telemedicine.md):
 *  - subscription_feed: per station, where the dispatcher is in the change feed (resource_history),
 *    as a window [since, until) of lastUpdated and the last sequence number handled inside it;
 *  - subscription_event: one row per notification owed (subscription, resource version), numbered
 *    per subscription (events-since-subscription-start), delivered_at set once the endpoint took it;
 *  - subscription_state: per subscription, the event counter, consecutive failures, when to try
 *    again and the lease a dispatcher holds while it delivers.
 * Queued in PostgreSQL, so a restart loses nothing. Never edit after merge; add a migration.
 */
export class Subscriptions1764800000000 implements MigrationInterface {
  name = 'Subscriptions1764800000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE subscription_feed (
        station_id text        PRIMARY KEY,
        since      timestamptz NOT NULL,
        until      timestamptz,
        after_seq  bigint      NOT NULL DEFAULT 0
      )`);
    await q.query(`
      CREATE TABLE subscription_state (
        station_id      text        NOT NULL,
        subscription_id text        NOT NULL,
        events          bigint      NOT NULL DEFAULT 0,
        failures        integer     NOT NULL DEFAULT 0,
        next_attempt    timestamptz NOT NULL DEFAULT now(),
        lease_until     timestamptz,
        PRIMARY KEY (station_id, subscription_id)
      )`);
    await q.query(`
      CREATE TABLE subscription_event (
        station_id      text        NOT NULL,
        subscription_id text        NOT NULL,
        event_number    bigint      NOT NULL,
        resource_type   text        NOT NULL,
        resource_id     text        NOT NULL,
        version_id      integer     NOT NULL,
        method          text        NOT NULL,
        queued_at       timestamptz NOT NULL DEFAULT now(),
        delivered_at    timestamptz,
        PRIMARY KEY (station_id, subscription_id, event_number),
        UNIQUE (station_id, subscription_id, resource_type, resource_id, version_id)
      )`);
    await q.query(`CREATE INDEX subscription_event_pending ON subscription_event (station_id, subscription_id, event_number) WHERE delivered_at IS NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE subscription_event`);
    await q.query(`DROP TABLE subscription_state`);
    await q.query(`DROP TABLE subscription_feed`);
  }
}
