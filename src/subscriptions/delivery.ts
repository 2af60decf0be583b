import type { Resource, Subscription } from '@medplum/fhirtypes';
import type { Database } from '../db/database';
import { patientsOf } from '../fhir/store/audit-log';
import type { Repository } from '../fhir/store/repository';
import { versionContent } from '../fhir/store/version-content';
import { notificationBundle, type QueuedEvent } from './notification';
import type { ServedSubscription } from './registry';
import { setSubscriptionStatus, type DeliveryStatus } from './status';

/**
 * Delivering a subscription's queued events: the oldest undelivered ones in one POST, in event
 * order; the next POST only after this one succeeded, so events reach the endpoint in order.
 * A failure (network error, timeout, non-2xx) leaves them queued and the next attempt waits a
 * backoff that doubles per consecutive failure, up to a cap; the Subscription's status and error
 * count say so. A dispatcher leases a subscription while it delivers, so two never send the same
 * event at once; a lease left by a crash simply expires.
 */

export interface DeliveryOptions {
  /** Events per notification. */
  batchSize: number;
  timeoutMs: number;
  /** Wait before the next attempt after `failures` consecutive failures. */
  backoffMs(failures: number): number;
}

export interface DeliveryContext {
  db: Database;
  /** The server's repository (subscription status). */
  repo: Repository;
  stationId: string;
  baseUrl: string;
  options: DeliveryOptions;
}

export type DeliveryResult = 'idle' | 'delivered' | 'failed';

/** Sends the next batch of `subscription`'s events if any is due. */
export async function deliverNext(ctx: DeliveryContext, subscription: ServedSubscription): Promise<DeliveryResult> {
  const claim = await claimDue(ctx, subscription.id);
  if (!claim) return 'idle';
  const events = await pendingEvents(ctx, subscription.id);
  if (!events.length) {
    await release(ctx, subscription.id, 'UPDATE');
    return 'idle';
  }
  const body = notificationBundle(ctx.baseUrl, subscription.id, claim.events, events, subscription.payload);
  const failure = await post(subscription, body, ctx.options.timeoutMs);
  await audit(ctx, subscription, events, failure);
  if (failure === undefined) {
    await ctx.db.query(
      `UPDATE subscription_event SET delivered_at = now() WHERE station_id = $1 AND subscription_id = $2 AND event_number = ANY($3::bigint[])`,
      [ctx.stationId, subscription.id, events.map((e) => e.eventNumber)],
    );
    await release(ctx, subscription.id, 'SUCCESS');
    await updateStatus(ctx, subscription.id, { status: 'active' });
    return 'delivered';
  }
  const failures = claim.failures + 1;
  await release(ctx, subscription.id, 'FAILURE', ctx.options.backoffMs(failures));
  await updateStatus(ctx, subscription.id, { status: 'error', error: failure, errorCount: failures });
  return 'failed';
}

async function claimDue(ctx: DeliveryContext, subscriptionId: string): Promise<{ events: number; failures: number } | undefined> {
  const lease = Math.max(ctx.options.timeoutMs * 2, 10_000);
  const rows = await ctx.db.query<{ events: string; failures: number }>(
    `UPDATE subscription_state SET lease_until = now() + make_interval(secs => $3::double precision / 1000)
      WHERE station_id = $1 AND subscription_id = $2 AND next_attempt <= now() AND (lease_until IS NULL OR lease_until < now())
        AND EXISTS (SELECT 1 FROM subscription_event e WHERE e.station_id = $1 AND e.subscription_id = $2 AND e.delivered_at IS NULL)
      RETURNING events, failures`,
    [ctx.stationId, subscriptionId, lease],
  );
  return rows[0] && { events: Number(rows[0].events), failures: rows[0].failures };
}

/** Ends the lease; a success clears the failures, a failure counts one and sets the next attempt. */
async function release(ctx: DeliveryContext, subscriptionId: string, outcome: 'UPDATE' | 'SUCCESS' | 'FAILURE', waitMs = 0): Promise<void> {
  const failures = outcome === 'SUCCESS' ? '0' : outcome === 'FAILURE' ? 'failures + 1' : 'failures';
  await ctx.db.query(
    `UPDATE subscription_state SET lease_until = NULL, failures = ${failures},
            next_attempt = now() + make_interval(secs => $3::double precision / 1000)
      WHERE station_id = $1 AND subscription_id = $2`,
    [ctx.stationId, subscriptionId, waitMs],
  );
}

async function pendingEvents(ctx: DeliveryContext, subscriptionId: string): Promise<QueuedEvent[]> {
  const rows = await ctx.db.query<{ event_number: string; resource_type: string; resource_id: string; version_id: number; method: string; queued_at: Date; content: Resource | null }>(
    `SELECT e.event_number, e.resource_type, e.resource_id, e.version_id, e.method, e.queued_at, ${versionContent('h')} AS content
       FROM subscription_event e
       LEFT JOIN resource_history h ON h.station_id = e.station_id AND h.resource_type = e.resource_type AND h.id = e.resource_id AND h.version_id = e.version_id
      WHERE e.station_id = $1 AND e.subscription_id = $2 AND e.delivered_at IS NULL
      ORDER BY e.event_number LIMIT $3`,
    [ctx.stationId, subscriptionId, ctx.options.batchSize],
  );
  return rows.map((r) => ({
    eventNumber: Number(r.event_number),
    resourceType: r.resource_type,
    resourceId: r.resource_id,
    versionId: r.version_id,
    method: r.method,
    queuedAt: new Date(r.queued_at),
    content: r.content,
  }));
}

/** POSTs the notification; returns why it failed, or undefined when the endpoint took it (2xx). */
async function post(subscription: ServedSubscription, body: unknown, timeoutMs: number): Promise<string | undefined> {
  try {
    const res = await fetch(subscription.endpoint, {
      method: 'POST',
      headers: { ...Object.fromEntries(subscription.headers), 'content-type': subscription.contentType },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    });
    await res.arrayBuffer().catch(() => undefined);
    return res.ok ? undefined : `HTTP ${res.status}`;
  } catch (err) {
    const reason = (err as Error).name === 'TimeoutError' ? `quá ${timeoutMs} ms / timed out` : ((err as { cause?: { code?: string } }).cause?.code ?? (err as Error).message);
    return `Không gửi được / delivery failed: ${reason}`;
  }
}

/** Each notification is a disclosure to the subscriber: in the audit trail as their receipt of the resources. */
async function audit(ctx: DeliveryContext, subscription: ServedSubscription, events: QueuedEvent[], failure: string | undefined): Promise<void> {
  const contents = events.flatMap((e) => (e.content ? [e.content] : []));
  await ctx.repo.as(subscription.owner).audit({
    interaction: 'operation',
    outcome: failure === undefined ? '0' : '8',
    outcomeDesc: `subscription-notification Subscription/${subscription.id}${failure ? `: ${failure}` : ''}`.slice(0, 500),
    entities: [`Subscription/${subscription.id}`, ...events.map((e) => `${e.resourceType}/${e.resourceId}/_history/${e.versionId}`)],
    patients: [...new Set(contents.flatMap(patientsIn))],
  });
}

/** The patients a notified resource is about (appointments name theirs among the participants). */
function patientsIn(resource: Resource): string[] {
  const participants = resource.resourceType === 'Appointment' ? resource.participant.map((p) => p.actor?.reference ?? '') : [];
  const fromParticipants = participants.filter((r) => r.startsWith('Patient/')).map((r) => r.slice('Patient/'.length));
  return [...patientsOf(resource), ...fromParticipants];
}

/** Sets the status on the subscription's current version (unless it was deleted meanwhile). */
async function updateStatus(ctx: DeliveryContext, subscriptionId: string, next: DeliveryStatus): Promise<void> {
  const head = await ctx.repo.readHeadOrFail('Subscription', subscriptionId);
  if (!head.deleted) await setSubscriptionStatus(ctx.repo, head.content as Subscription, next);
}
