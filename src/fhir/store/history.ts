import type { Resource } from '@medplum/fhirtypes';
import type { Queryable } from '../../db/database';
import { utcText } from '../../db/utc-text';
import { inPatientCompartment, mayMeetAccessLog } from '../index/compartment';
import { versionContent } from './version-content';

/**
 * History reads, paged by the write sequence inside a fixed window [since, horizon).
 *
 * The horizon is the earliest start of any transaction still running (or now): every write
 * stamped before it has committed and is visible, so a client that asks again `_since` the
 * horizon it was given sees each change of a type or of the system exactly once, however writes
 * interleave (anchors.md: HAPI's timestamp paging skipped and repeated records). Only client
 * connections count: autovacuum and other background workers never write resources.
 *
 * Why "stamped before it" means "committed": a write is stamped with the clock at its
 * transaction's first write (write.ts WRITE_TIME), after PostgreSQL shows the transaction in
 * pg_stat_activity. A transaction that a horizon read did not see had either ended (and is visible)
 * or stamps later than that read. A transaction does show its start a moment late, so a later
 * read can find an earlier start than a horizon already given: the horizon never goes below the
 * client's `_since`, or windows would overlap and a change arrive twice.
 */

export interface HistoryQuery {
  resourceType?: string;
  id?: string;
  /** Inclusive lower bound on lastUpdated. */
  since?: Date;
  /** Only versions that were current at some point in [lo, hi). */
  at?: { lo: Date; hi: Date };
  count: number;
  /** Fixed upper bound of the window, carried by next links; computed when absent. */
  horizon?: Date;
  /** Continue below this sequence number (next pages). */
  beforeSeq?: number;
  /** Only these resource types (the types the reader may see), when not all. */
  types?: string[];
  /** Only resources in this patient's compartment (patient-context access). */
  patientCompartment?: string;
}

export interface HistoryEntry {
  resourceType: string;
  id: string;
  versionId: number;
  seq: number;
  method: string;
  lastUpdated: Date;
  content: Resource | null;
  /** The version created its resource (answered 201). */
  created: boolean;
}

export interface HistoryPage {
  entries: HistoryEntry[];
  horizon: Date;
  /** Sequence to continue below, when more entries exist. */
  nextBeforeSeq?: number;
}

/** The horizon as SQL: the start of the oldest running client transaction other than ours, or now. */
const HORIZON = `LEAST(now(), (SELECT min(xact_start) FROM pg_stat_activity
  WHERE xact_start IS NOT NULL AND pid <> pg_backend_pid() AND backend_type = 'client backend' AND datname = current_database()))`;

/**
 * Start of the oldest transaction other than ours, or now: writes before it are all visible. To the
 * microsecond (db/utc-text.ts): a horizon cut to milliseconds would hold back what a transaction
 * started in the same millisecond as a long one wrote, for as long as the long one runs (the
 * notification feed).
 */
export async function readExactHorizon(q: Queryable): Promise<string> {
  // Prepared, as readSyncPoint's: planning pg_stat_activity's joins cost 1.2 of the query's 1.45 ms.
  const rows = await q.query<{ horizon: string }>(`SELECT ${utcText(HORIZON, 'us')} AS horizon`, [], 'fhir_horizon');
  return rows[0].horizon;
}

/**
 * The point a client syncs from next (Bundle.meta.lastUpdated of history and `$everything`): the
 * horizon to the millisecond, cut down — the next `_since` at it repeats at most a millisecond of
 * versions and misses none — and never before the request's `_since` (see above) unless that lies
 * in the future (a client's clock ahead): a point at it would pass over what is written until then.
 */
export async function readSyncPoint(q: Queryable, since?: Date): Promise<Date> {
  const [row] = await q.query<{ horizon: string; now: string }>(`SELECT ${utcText(HORIZON, 'us')} AS horizon, ${utcText('now()', 'us')} AS now`, [], 'fhir_sync_point');
  const horizon = new Date(row.horizon);
  return since && since > horizon && since <= new Date(row.now) ? since : horizon;
}

/**
 * Whether history row `h` created its resource: a POST, or a PUT that gave an id its first version
 * or brought a deleted resource back (update-as-create; the client was answered 201).
 */
const CREATED = `(h.method = 'POST' OR (h.method = 'PUT' AND (h.version_id = 1 OR EXISTS (SELECT 1 FROM resource_history d
  WHERE d.station_id = h.station_id AND d.resource_type = h.resource_type AND d.id = h.id AND d.version_id = h.version_id - 1 AND d.method = 'DELETE'))))`;

export async function readHistory(q: Queryable, stationId: string, hq: HistoryQuery): Promise<HistoryPage> {
  // The horizon must be read before the rows, in its own statement (see above).
  const horizon = hq.horizon ?? (await readSyncPoint(q, hq.since));
  const params: unknown[] = [stationId];
  const where = ['h.station_id = $1'];
  const add = (clause: (n: string) => string, value: unknown): void => {
    params.push(value);
    where.push(clause(`$${params.length}`));
  };
  // An instance's versions are written one after another, each once the previous one committed,
  // so every version we can see belongs in its history: cutting at the horizon would hide the
  // client's own last write while some unrelated transaction runs. A later `_since` at the horizon
  // may repeat versions (same versionId) but never misses one.
  if (!hq.id) add((p) => `h.last_updated < ${p}`, horizon.toISOString());
  if (hq.resourceType) add((p) => `h.resource_type = ${p}`, hq.resourceType);
  if (hq.id) add((p) => `h.id = ${p}`, hq.id);
  if (hq.since) add((p) => `h.last_updated >= ${p}`, hq.since.toISOString());
  if (hq.beforeSeq !== undefined) add((p) => `h.seq < ${p}`, hq.beforeSeq);
  if (hq.types) add((p) => `h.resource_type = ANY(${p}::text[])`, hq.types);
  if (hq.patientCompartment !== undefined) {
    add(
      (p) => inPatientCompartment({ station: 'h.station_id', type: 'h.resource_type', id: 'h.id', patient: p }, mayMeetAccessLog(hq.resourceType ? [hq.resourceType] : (hq.types ?? []))),
      hq.patientCompartment,
    );
  }
  if (hq.at) {
    add((p) => `h.last_updated < ${p}`, hq.at.hi.toISOString());
    add(
      (p) => `NOT EXISTS (SELECT 1 FROM resource_history n WHERE n.station_id = h.station_id
        AND n.resource_type = h.resource_type AND n.id = h.id AND n.version_id > h.version_id AND n.last_updated <= ${p})`,
      hq.at.lo.toISOString(),
    );
  }
  params.push(hq.count + 1);
  const rows = await q.query<{
    resource_type: string;
    id: string;
    version_id: number;
    seq: string | number;
    method: string;
    last_updated: Date;
    content: Resource | null;
    created: boolean;
  }>(
    `SELECT h.resource_type, h.id, h.version_id, h.seq, h.method, h.last_updated, ${versionContent('h')} AS content, ${CREATED} AS created
       FROM resource_history h WHERE ${where.join(' AND ')}
      ORDER BY h.seq DESC LIMIT $${params.length}`,
    params,
  );
  const entries = rows.slice(0, hq.count).map((r) => ({
    resourceType: r.resource_type,
    id: r.id,
    versionId: r.version_id,
    seq: Number(r.seq),
    method: r.method,
    lastUpdated: new Date(r.last_updated),
    content: r.content,
    created: r.created,
  }));
  const more = rows.length > hq.count && entries.length > 0;
  return { entries, horizon, nextBeforeSeq: more ? entries[entries.length - 1].seq : undefined };
}
