import { isDeepStrictEqual } from 'node:util';
import type { AuditEvent, AuditEventEntity } from '@medplum/fhirtypes';
import type { R4Definitions } from '../definitions';
import { extractIndexRows, type ExtractContext } from './extract';
import type { RowSet } from './row-sets';
import { packReferenceList } from './reference-lists';
import { emptyRows, type IndexRows } from './tables';
import { addDates, addReference } from './values';

/**
 * The index rows of an AuditEvent the server built (fhir/audit.ts), without running every
 * AuditEvent search parameter's expression on it.
 *
 * Every read and search records one, and extracting its rows (an entity type and role for each of
 * the twenty resources a page names, then the row set's lines and hash) cost more of the server's
 * time than building the event. Yet the event's token and string rows — its row set (row-sets.ts) —
 * never depend on *which* resources it names, the query, or the time: only on who acted, how, with
 * what outcome, and which kinds of entity it names. So the set is extracted in full once per kind of
 * event (the key below: the event without its per-event fields) and kept; the event's own rows are
 * its `agent` and `entity` references and its `date` (`patient` is read from `entity`:
 * stored-params.ts). test/fhir/audit-rows.test.ts holds the result equal to extractIndexRows over
 * every kind of record the server writes.
 */

/**
 * How many kinds of event are remembered per set of definitions, then forgotten all at once: a
 * kind holds ~4.7 KB (its key and its set), and a station's staff make a few hundred kinds while
 * each resident's app makes its own few, so the bound keeps this under 5 MB of the server's heap.
 */
export const MAX_KINDS = 1_000;

/** A kind of event: its row set (none without token or string rows), or null when its rows must be extracted in full. */
type Kind = { set?: RowSet } | null;

/** Per set of definitions: whether the short way holds for them at all, and the kinds met. */
const byDefs = new WeakMap<R4Definitions, { holds: boolean; kinds: Map<string, Kind> }>();

/** The index rows of `event`, as extractIndexRows would give them. */
export function auditIndexRows(event: AuditEvent, ctx: ExtractContext): IndexRows {
  let known = byDefs.get(ctx.defs);
  if (!known) byDefs.set(ctx.defs, (known = { holds: shortWayHolds(ctx.defs), kinds: new Map() }));
  if (!known.holds) return extractIndexRows(event, ctx);
  const key = kindOf(event);
  const kind = known.kinds.get(key);
  if (kind === undefined) {
    // The first event of a kind is extracted in full, and the kind remembered only if its own rows
    // are all that the direct reading below finds: a parameter reading anything else of an event
    // the server writes keeps that kind on the full extraction.
    const rows = extractIndexRows(event, ctx);
    if (known.kinds.size >= MAX_KINDS) known.kinds.clear();
    known.kinds.set(key, sameOwnRows(rows, ownRows(event, ctx)) ? { set: rows.rowSet } : null);
    return rows;
  }
  if (kind === null) return extractIndexRows(event, ctx);
  const rows = ownRows(event, ctx);
  if (kind.set) {
    rows.rowSet = kind.set;
    rows.rowSetMember = [{ setId: kind.set.id }];
  }
  return rows;
}

/** The parameters whose rows ownRows gives, with the expression it reads them by (R4's). */
const OWN_PARAMS: Readonly<Record<string, string>> = { agent: 'AuditEvent.agent.who', entity: 'AuditEvent.entity.what', date: 'AuditEvent.recorded' };

/**
 * Whether no AuditEvent parameter but those of OWN_PARAMS (and `patient`, stored as their rows)
 * reads what is an event's own (OWN) — else a set remembered for a kind would be another event's. A
 * parameter of our own (fhir-profiles/) on, say, `AuditEvent.outcomeDesc` turns the short way off.
 * `_id` and `_lastUpdated` are the resource table's, not extracted.
 */
function shortWayHolds(defs: R4Definitions): boolean {
  const readsOwn = new RegExp(`\\b(?:${Object.values(OWN).flatMap((keys) => [...keys]).join('|')})\\b`);
  for (const [code, sp] of defs.searchParams.get('AuditEvent') ?? []) {
    if (!sp.expression || code === '_id' || code === '_lastUpdated' || code === 'patient') continue;
    if (code in OWN_PARAMS ? sp.expression !== OWN_PARAMS[code] : readsOwn.test(sp.expression)) return false;
  }
  return true;
}

/** The rows that are the event's own: the references of its agents and entities, and its time. */
function ownRows(event: AuditEvent, ctx: ExtractContext): IndexRows {
  const rows = emptyRows();
  for (const { who } of event.agent ?? []) if (who?.reference) addReference(rows, 'agent', { type: 'Reference', value: { reference: who.reference } }, ctx.baseUrl);
  for (const { what } of event.entity ?? []) if (what?.reference) addReference(rows, 'entity', { type: 'Reference', value: { reference: what.reference } }, ctx.baseUrl);
  if (event.recorded) addDates(rows, 'date', { type: 'instant', value: event.recorded }, ctx.timeZone);
  packReferenceList(event.resourceType, rows);
  return rows;
}

/** Whether the full extraction's rows, but for its row set, are `own`. */
function sameOwnRows(full: IndexRows, own: IndexRows): boolean {
  const { rowSet, rowSetMember, ...fullTables } = full;
  const { rowSet: none, rowSetMember: noMember, ...ownTables } = own;
  return isDeepStrictEqual(fullTables, ownTables);
}

/**
 * What an event has of its own, part by part (the kind leaves it out): its id, time, outcome's
 * description and version; the resources it names (the reference of `entity.what`, and the query,
 * type and — for a long query — length and digest of a search's query entity); the agent's
 * reference. Its tags, labels and profiles are not: they index tokens, which the row set holds.
 */
const OWN = {
  event: new Set(['id', 'recorded', 'outcomeDesc']),
  meta: new Set(['versionId', 'lastUpdated']),
  entity: new Set(['what', 'query', 'description', 'detail']),
  agent: new Set(['who']),
  reference: new Set(['reference', 'display']),
} as const satisfies Record<string, ReadonlySet<string>>;

/** The parts the kind writes out on their own. */
const PARTS: ReadonlySet<string> = new Set([...OWN.event, 'meta', 'agent', 'entity']);

/** The event without what is its own. Each kind of entity counts once, as a row set holds each row once. */
function kindOf(event: AuditEvent): string {
  // Compared before they are written out: a page names twenty entities of one or two kinds.
  const kinds: AuditEventEntity[] = [];
  for (const e of event.entity ?? []) if (!kinds.some((k) => sameKind(k, e))) kinds.push(e);
  const entities = kinds.map((e) => JSON.stringify([without(e, OWN.entity), without(e.what, OWN.reference)])).sort();
  const agents = (event.agent ?? []).map((a) => [without(a, OWN.agent), without(a.who, OWN.reference)]);
  return JSON.stringify([without(event, PARTS), without(event.meta, OWN.meta), agents, entities]);
}

function sameKind(a: AuditEventEntity, b: AuditEventEntity): boolean {
  return sameExcept(a, b, OWN.entity) && sameExcept(a.what ?? {}, b.what ?? {}, OWN.reference);
}

/** Equality of two objects but for the keys in `own`. */
function sameExcept(a: object, b: object, own: ReadonlySet<string>): boolean {
  const x = a as Record<string, unknown>;
  const y = b as Record<string, unknown>;
  for (const key of Object.keys(x)) if (!own.has(key) && !isDeepStrictEqual(x[key], y[key])) return false;
  for (const key of Object.keys(y)) if (!own.has(key) && !(key in x)) return false;
  return true;
}

/** `value` without the keys in `own`. */
function without(value: object | undefined, own: ReadonlySet<string>): Record<string, unknown> | undefined {
  return value && Object.fromEntries(Object.entries(value).filter(([key]) => !own.has(key)));
}
