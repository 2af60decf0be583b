import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import type { Database } from '../db/database';
import type { FhirEngine } from '../fhir/engine';
import { readExactHorizon } from '../fhir/store/history';
import type { AuthService } from '../auth/service';
import { deliverNext, type DeliveryOptions } from './delivery';
import { clientOwnerResolver } from './owner';
import { advanceFeed, feedHasWork } from './feed';
import { SubscriptionRegistry, type OwnerResolver, type ServedSubscription } from './registry';

/**
 * The notification dispatcher: a loop that reads the change feed into the queue (feed.ts) and
 * delivers what is queued (delivery.ts). All its state is in PostgreSQL; stopping it (or the
 * process dying) loses nothing, and a new one carries on where the last left off.
 */

export interface DispatcherOptions extends DeliveryOptions {
  /** Pause between rounds when there was nothing to do. */
  pollMs: number;
  /** Changes read from the feed per transaction. */
  feedBatch: number;
  /** How far the stored feed cursor may trail the horizon while nothing concerns a subscription (feed.ts feedHasWork). */
  cursorLagMs: number;
}

export const DEFAULT_DISPATCHER_OPTIONS: DispatcherOptions = {
  pollMs: 250,
  feedBatch: 500,
  cursorLagMs: 10_000,
  batchSize: 50,
  timeoutMs: 10_000,
  // 1 s, 2 s, 4 s … capped at 5 minutes: a platform down for an hour gets about a dozen attempts.
  backoffMs: (failures) => Math.min(1000 * 2 ** (failures - 1), 300_000),
};

export interface DispatcherDeps {
  db: Database;
  engine: FhirEngine;
  /** The access policy of a subscribing system client (owner.ts). */
  resolveOwner: OwnerResolver;
  logger?: Logger;
}

export interface SubscriptionDispatcher {
  /** Finishes the round in progress (an in-flight delivery completes or times out), then stops. */
  stop(): Promise<void>;
}

export function startSubscriptionDispatcher(deps: DispatcherDeps, overrides: Partial<DispatcherOptions> = {}): SubscriptionDispatcher {
  const options = { ...DEFAULT_DISPATCHER_OPTIONS, ...overrides };
  const repo = deps.engine.repo;
  const registry = new SubscriptionRegistry(deps.db, repo, deps.resolveOwner);
  const delivery = { db: deps.db, repo, stationId: repo.ctx.stationId, baseUrl: repo.ctx.baseUrl, options };
  // Aborted by stop(): ends the pause between rounds at once, timer included (a pending timer would
  // hold a stopping process, or a test worker, open for the rest of the pause).
  const stopping = new AbortController();
  const running = (): boolean => !stopping.signal.aborted;

  const round = async (): Promise<boolean> => {
    // The horizon first, then the subscriptions (see advanceFeed).
    const horizon = await readExactHorizon(deps.db);
    const subscriptions = await registry.load();
    const busy =
      (await feedHasWork(deps.db, repo.ctx.stationId, subscriptions, horizon, options.cursorLagMs)) &&
      (await deps.db.transaction((tx) => advanceFeed(tx, repo.ctx.stationId, subscriptions, options.feedBatch, horizon)));
    const results = await Promise.all(subscriptions.map((s) => deliverAll(s)));
    return busy || results.some(Boolean);
  };
  // Delivers one subscription's queue until it is empty or a delivery fails (then its backoff rules).
  const deliverAll = async (subscription: ServedSubscription): Promise<boolean> => {
    let delivered = false;
    while (running() && (await deliverNext(delivery, subscription)) === 'delivered') delivered = true;
    return delivered;
  };
  const loop = (async () => {
    while (running()) {
      let busy = false;
      try {
        busy = await round();
      } catch (err) {
        deps.logger?.error({ err: (err as Error).message }, 'subscription dispatcher round failed');
      }
      if (!busy && running()) await sleep(options.pollMs, undefined, { signal: stopping.signal }).catch(() => undefined);
    }
  })();

  return {
    async stop() {
      stopping.abort();
      await loop;
    },
  };
}

/** The dispatcher of a running server (src/main.ts): subscribers are the auth service's system clients. */
export function startNotifications(db: Database, engine: FhirEngine, auth: AuthService, logger?: Logger): SubscriptionDispatcher {
  return startSubscriptionDispatcher({ db, engine, logger, resolveOwner: clientOwnerResolver(auth.store, new Set(engine.defs.patientCompartment.keys())) });
}
