import type { Resource } from '@medplum/fhirtypes';
import type { Queryable, Transaction } from '../db/database';
import { utcText } from '../db/utc-text';
import { versionContent } from '../fhir/store/version-content';
import { matches } from './criteria';
import type { ServedSubscription } from './registry';

/**
 * Reads the change feed — resource_history — and queues a notification for every subscription a
 * change concerns, in one transaction with the cursor, so each change is queued exactly once
 * whatever crashes or restarts (docs/telemedicine.md, "Notifications").
 *
 * The feed is read in windows of lastUpdated [since, until), `until` being the history horizon
 * (src/fhir/store/history.ts): every write stamped before it has committed, so nothing in the
 * window can still appear. Inside a window rows go in sequence order, `after_seq` remembering how
 * far a window got when it takes several batches.
 *
 * Per resource, versions must be notified in order. A transaction that started early can write
 * version 2 (stamped early) after another wrote version 1 (stamped later): version 2 then falls in
 * an earlier window than version 1. So each batch also takes the earlier versions of its resources
 * that lie beyond the window (they have committed: a later version was built on them); queuing is
 * keyed by resource version, so their own window later queues nothing twice.
 */

interface Change {
  resource_type: string;
  last_updated: Date;
  id: string;
  version_id: number;
  seq: string;
  method: string;
  content: Resource | null;
  previous: Resource | null;
}

/** Window bounds to the microsecond, as UTC text (db/utc-text.ts; history.ts readExactHorizon). */
interface Cursor {
  since: string;
  until: string | null;
  after_seq: string;
}
const CURSOR_COLUMNS = `${utcText('since', 'us')} AS since, ${utcText('until', 'us')} AS until, after_seq`;

// A previous version is never current (h supersedes it), so its row holds its content.
const COLUMNS = `h.resource_type, h.last_updated, h.id, h.version_id, h.seq, h.method, ${versionContent('h')} AS content, p.content AS previous`;
const PREVIOUS = `LEFT JOIN resource_history p ON p.station_id = h.station_id AND p.resource_type = h.resource_type
                   AND p.id = h.id AND p.version_id = h.version_id - 1`;

/**
 * Queues the notifications of one batch of changes; returns whether the feed has more to read now.
 * `horizon` must have been read before `subscriptions` were loaded: every subscription created
 * before the window's end is then among them, so none misses a change of the window it concerns.
 */
export async function advanceFeed(tx: Transaction, stationId: string, subscriptions: readonly ServedSubscription[], batchSize: number, horizon: string): Promise<boolean> {
  const cursor = await lockCursor(tx, stationId);
  const end = cursor.until ?? horizon;
  const until = end > cursor.since ? end : cursor.since;
  await tx.query(
    `INSERT INTO subscription_state (station_id, subscription_id) SELECT $1, unnest($2::text[]) ON CONFLICT DO NOTHING`,
    [stationId, subscriptions.map((s) => s.id)],
  );
  const types = [...new Set(subscriptions.map((s) => s.criteria.resourceType))];
  const batch = types.length ? await windowRows(tx, stationId, cursor, until, types, batchSize) : [];
  const changes = [...(await predecessorsBeyond(tx, stationId, until, batch)), ...batch].sort((a, b) => Number(a.seq) - Number(b.seq));
  for (const change of changes) {
    for (const subscription of subscriptions) {
      if (concerns(subscription, change)) await enqueue(tx, stationId, subscription.id, change);
    }
  }
  const full = batch.length === batchSize;
  const next = full ? { since: cursor.since, until, after: batch[batch.length - 1].seq } : { since: until, until: null, after: '0' };
  await tx.query(`UPDATE subscription_feed SET since = $2, until = $3, after_seq = $4 WHERE station_id = $1`, [stationId, next.since, next.until, next.after]);
  return full;
}

/**
 * Whether a round has work for the feed's transaction, asked without it: that transaction locks the
 * cursor (`FOR UPDATE` takes a transaction id) and moves it — a write PostgreSQL flushes to disk at
 * commit, which an idle server made four times a second. Work is: no cursor yet, a window left
 * part-way, a subscription without its state row, a change of a subscribed type in the window, or a
 * stored cursor more than `maxLagMs` behind the horizon (moved now and then, so the window read
 * here stays short). A round skipped is only a slow dispatcher: the stored cursor stays exact, and a
 * change older than a subscription never concerns it (`concerns`), however early its window starts.
 */
export async function feedHasWork(q: Queryable, stationId: string, subscriptions: readonly ServedSubscription[], horizon: string, maxLagMs: number): Promise<boolean> {
  const [cursor] = await q.query<Cursor>(`SELECT ${CURSOR_COLUMNS} FROM subscription_feed WHERE station_id = $1`, [stationId]);
  if (!cursor || cursor.until !== null || Date.parse(horizon) - Date.parse(cursor.since) > maxLagMs) return true;
  if (subscriptions.length) {
    const [{ n }] = await q.query<{ n: number }>(`SELECT count(*)::int AS n FROM subscription_state WHERE station_id = $1 AND subscription_id = ANY($2::text[])`, [
      stationId,
      subscriptions.map((s) => s.id),
    ]);
    if (n < subscriptions.length) return true;
  }
  const types = [...new Set(subscriptions.map((s) => s.criteria.resourceType))];
  return types.length > 0 && horizon > cursor.since && (await windowRows(q, stationId, cursor, horizon, types, 1)).length > 0;
}

/**
 * The station's cursor, locked so two dispatchers never read the same window. A new feed starts
 * at the oldest subscription's creation (or now): earlier changes concern no subscription.
 */
async function lockCursor(tx: Queryable, stationId: string): Promise<Cursor> {
  await tx.query(
    `INSERT INTO subscription_feed (station_id, since)
     SELECT $1, LEAST(now(), (SELECT min(last_updated) FROM resource_history WHERE station_id = $1 AND resource_type = 'Subscription'))
     ON CONFLICT (station_id) DO NOTHING`,
    [stationId],
  );
  const rows = await tx.query<Cursor>(`SELECT ${CURSOR_COLUMNS} FROM subscription_feed WHERE station_id = $1 FOR UPDATE`, [stationId]);
  return rows[0];
}

function windowRows(tx: Queryable, stationId: string, cursor: Cursor, until: string, types: string[], limit: number): Promise<Change[]> {
  return tx.query<Change>(
    `SELECT ${COLUMNS} FROM resource_history h ${PREVIOUS}
      WHERE h.station_id = $1 AND h.last_updated >= $2 AND h.last_updated < $3 AND h.seq > $4 AND h.resource_type = ANY($5::text[])
      ORDER BY h.seq LIMIT $6`,
    [stationId, cursor.since, until, cursor.after_seq, types, limit],
  );
}

/** Earlier versions of the batch's resources stamped at or after the window's end (see above). */
function predecessorsBeyond(tx: Queryable, stationId: string, until: string, batch: Change[]): Promise<Change[]> {
  const later = batch.filter((c) => c.version_id > 1);
  if (!later.length) return Promise.resolve([]);
  return tx.query<Change>(
    `SELECT ${COLUMNS} FROM resource_history h ${PREVIOUS}
       JOIN unnest($3::text[], $4::text[], $5::int[]) AS b(t, i, v) ON h.resource_type = b.t AND h.id = b.i AND h.version_id < b.v
      WHERE h.station_id = $1 AND h.last_updated >= $2`,
    [stationId, until, later.map((c) => c.resource_type), later.map((c) => c.id), later.map((c) => c.version_id)],
  );
}

/**
 * A change concerns a subscription when it was stamped at or after the subscription's creation
 * and the new version meets the criteria, or
 * the previous one did (so a subscriber to booked appointments hears that one was cancelled) —
 * always within what the subscriber's own scopes let it read.
 */
function concerns(s: ServedSubscription, change: Change): boolean {
  if (change.resource_type !== s.criteria.resourceType || new Date(change.last_updated).getTime() < s.createdAt) return false;
  const visible = (r: Resource | null): r is Resource => !!r && matches(s.criteria, r) && (!s.ownerLimits || matches(s.ownerLimits, r));
  return visible(change.content) || visible(change.previous);
}

/** Queues one event with the subscription's next number (its state row exists); a version already queued is skipped. */
async function enqueue(tx: Queryable, stationId: string, subscriptionId: string, change: Change): Promise<void> {
  await tx.query(
    `WITH ins AS (
       INSERT INTO subscription_event (station_id, subscription_id, event_number, resource_type, resource_id, version_id, method)
       SELECT $1, $2, st.events + 1, $3, $4, $5, $6 FROM subscription_state st WHERE st.station_id = $1 AND st.subscription_id = $2
       ON CONFLICT DO NOTHING RETURNING event_number)
     UPDATE subscription_state st SET events = ins.event_number FROM ins WHERE st.station_id = $1 AND st.subscription_id = $2`,
    [stationId, subscriptionId, change.resource_type, change.id, change.version_id, change.method],
  );
}
