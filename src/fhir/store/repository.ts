import { randomUUID, createHash } from 'node:crypto';
import type { OperationOutcomeIssue, Resource } from '@medplum/fhirtypes';
import { applyPatch, compare, type Operation } from 'fast-json-patch';
import { inTransaction, type Database, type Queryable, type Transaction } from '../../db/database';
import type { AccessPolicy, Action } from '../access';
import { versionedReference, type AuditInput, type AuditInteraction } from '../audit';
import type { R4Definitions } from '../definitions';
import { extractIndexRows, emptyRows, type ExtractContext, type IndexRows } from '../index/extract';
import { stringRowKeys } from '../index/string-keys';
import { DeferredWrites } from './deferred-writes';
import type { Assignment } from './assignment';
import type { Derivation } from './derivation';
import {
  badRequest,
  conflict,
  echoed,
  forbidden,
  gone,
  invalidResource,
  notFound,
  notSupported,
  OperationOutcomeError,
  outcome,
  preconditionFailed,
  bilingual,
} from '../outcomes';
import { isValidId } from '../references';
import { executeSearch, type SearchResult } from '../search/execute';
import { parseSearch, type SearchRequest } from '../search/parse';
import { meetsConstraints } from '../search/match';
import { canonicalText } from '../search/normalize';
import { syncedFrom } from '../search/sync-point';
import { expandValueSetFilters } from '../search/value-sets';
import { hasErrors, validate, wellShaped, type ProfileRegistry, type ResourceRule } from '../validate/validator';
import { auditWrite, patientsOf, queuedAudit, recordAudit } from './audit-log';
import type { AuditQueue } from './audit-queue';
import type { CreateBatcher } from './create-batch';
import { readHistory, readSyncPoint, type HistoryPage, type HistoryQuery } from './history';
import { readHead, readVersion, type StoredHead } from './read';
import { expandValueSet } from './value-set-lookup';
import { expandSearchQuery, keepSearchQuery } from './search-queries';
import { identifierConflict, type UniqueIdentifier } from './unique-identifiers';
import { requireOwnFindingsUnconfirmed } from './own-findings';
import { requireOwnDeletion, requireOwnRequests } from './own-requests';
import { requireAboutOwn } from './own-subject';
import { requireResidentWritable } from './own-types';
import { writeVersion, type VersionWrite } from './write';
import { boundInnerSearches, compartmentOf, constraintFilters, includeAccess, notAllowed, notCovered } from './search-access';
import type { PrefixCommonness } from '../search/string-page';

/** What a repository needs to know, passed in explicitly (no ambient configuration). */
export interface RepositoryContext {
  stationId: string;
  defs: R4Definitions;
  profiles: ProfileRegistry;
  timeZone: string;
  baseUrl: string;
  /** Domain rules run on every write after the FHIR validation (src/station/ registers them). */
  rules: readonly ResourceRule[];
  /** What the server fills in on a resource it creates, before validation (src/station/ registers them). */
  assignments: readonly Assignment[];
  /** Records derived from a write in its own transaction (src/station/ registers them). */
  derivations: readonly Derivation[];
  /** Identifiers no two resources may share, kept by database constraints (src/station/ declares them). */
  uniqueIdentifiers: readonly UniqueIdentifier[];
  /** Who is asking and what they may do; SYSTEM_ACCESS for the server's own work. */
  access: AccessPolicy;
  /** Whether reads and writes leave AuditEvents (on for every request from a person or client). */
  audit: boolean;
  /** Where the audit records of reads go to be written in batches (absent: each is written at once). */
  auditQueue?: AuditQueue;
  /** Where independent creates are written together under load (absent: each on its own). */
  createBatch?: CreateBatcher;
  /** How common string prefixes are, for the page of a name search (absent: planned per value). */
  prefixes?: PrefixCommonness;
  /** Inside a transaction Bundle: what it touched, recorded as one AuditEvent at its end. */
  auditBatch?: { entities: string[]; patients: Set<string> };
  /**
   * The writes are an operation's (src/telemedicine/atomic.ts), whose content the server built
   * after its own checks: the rules that keep a patient-context client's direct writes within
   * bounds — requests and records in its own name (own-requests.ts), Appointments only through the booking
   * operations (src/telemedicine/direct-writes.ts) — leave them alone. Never set from a request.
   */
  byOperation?: boolean;
}

export interface WriteResult {
  resource: Resource;
  /** True when a new resource came into being (201), false for an update or a match (200). */
  created: boolean;
  /** Warnings from validation (unknown profiles…), returned to the client. */
  issues: OperationOutcomeIssue[];
}

export interface WriteOptions {
  /**
   * If-Match (RFC 9110 §13.1.1): the expected current version, or several (any one will do), or
   * `*` — the resource exists and is not deleted, whatever its version. Otherwise 412.
   */
  ifMatch?: number | readonly number[] | '*';
  /**
   * The id must not name a current resource (409 if it does): a conditional update that matched
   * nothing creates, and never replaces a resource its criteria did not match (R5
   * http.html#cond-update says so outright). Checked against the head the write is guarded on.
   */
  createOnly?: boolean;
}

/** The largest version id resource_history.version_id (a PostgreSQL integer) holds. */
const MAX_VERSION_ID = 2_147_483_647;

/** How many times an update without If-Match retries after losing a race to another writer. */
const UPDATE_RETRIES = 3;

/**
 * The FHIR repository: every read and write of resources goes through here, and every write
 * through `commitVersion` (then writeVersion, or a statement shared with other new resources:
 * deferred-writes.ts, create-batch.ts), so validation, indexing, versioning, access control and the
 * audit trail are never skipped — whether the request came over REST, inside a Bundle, from the
 * seed or from an import.
 */
export class Repository {
  constructor(
    private readonly db: Database | Transaction,
    readonly ctx: RepositoryContext,
  ) {}

  private get extractCtx(): ExtractContext {
    return { defs: this.ctx.defs, timeZone: this.ctx.timeZone, baseUrl: this.ctx.baseUrl };
  }

  /** Runs `work` with a repository bound to one database transaction (all or nothing). */
  withTransaction<T>(work: (repo: Repository) => Promise<T>): Promise<T> {
    return inTransaction(this.db, (tx) => work(new Repository(tx, this.ctx)));
  }

  /**
   * Like withTransaction, and the resources created in it are written together, just before the
   * transaction next sends any other SQL (deferred-writes.ts): a transaction Bundle's new entries.
   */
  withDeferredWrites<T>(work: (repo: Repository) => Promise<T>): Promise<T> {
    return inTransaction(this.db, async (tx) => {
      const deferred = new DeferredWrites(tx);
      const result = await work(new Repository(deferred, this.ctx));
      await deferred.settle();
      await deferred.flush();
      return result;
    }).catch((err: unknown) => {
      // The new entries went in one statement: a refused identifier cannot name its entry.
      throw identifierConflict(err, this.ctx.uniqueIdentifiers) ?? err;
    });
  }

  /**
   * Runs read-only, set-based SQL (the indicator report's counts) in one transaction on this
   * repository's connection. Nothing here applies the access policy: callers check it first
   * (src/report/access.ts), and write nothing.
   */
  aggregate<T>(work: (tx: Transaction) => Promise<T>): Promise<T> {
    return inTransaction(this.db, work);
  }

  /** The same repository acting for someone: their access policy, and (by default) audited. */
  as(access: AccessPolicy, audit = true): Repository {
    return new Repository(this.db, { ...this.ctx, access, audit });
  }

  /** The same repository, its writes marked as an operation's (RepositoryContext.byOperation). */
  forOperation(): Repository {
    return new Repository(this.db, { ...this.ctx, byOperation: true });
  }

  /**
   * 403 unless the actor may do `action` on `type` (roles and scopes; src/auth/policy.ts); a
   * resident's app writes directly only the types of own-types.ts (an operation's writes are not
   * direct: RepositoryContext.byOperation).
   */
  private require(type: string, action: Action): void {
    if (!this.ctx.access.allows(type, action)) throw notAllowed(type, action);
    if (action !== 'r' && action !== 's' && this.ctx.access.patientCompartment !== undefined && !this.ctx.byOperation) requireResidentWritable(type, action);
  }

  /** 403 unless the actor may search `type` with no scope constraint on it (type history). */
  private requireUnconstrained(type: string): void {
    this.require(type, 's');
    const constraints = this.ctx.access.constraints(type, 's');
    if (!constraints.length) return;
    const shown = new URLSearchParams(constraints).toString();
    throw forbidden(
      `Không phục vụ lịch sử ${type} khi quyền truy cập bị giới hạn (${shown}); hãy tìm kiếm ${type} theo _lastUpdated`,
      `History of ${type} is not served to a caller whose access to it is constrained (${shown}); search ${type} by _lastUpdated instead`,
    );
  }

  /** Records an access in the audit trail (reads, searches); writes record theirs in the same statement. */
  async audit(input: Omit<AuditInput, 'actor'>): Promise<void> {
    if (!this.ctx.audit) return;
    if (this.ctx.auditBatch && input.outcome === '0') {
      this.ctx.auditBatch.entities.push(...input.entities);
      input.patients.forEach((p) => this.ctx.auditBatch!.patients.add(p));
      return;
    }
    const record = { ...input, actor: this.ctx.access.actor };
    if (this.ctx.auditQueue) this.ctx.auditQueue.add(queuedAudit(this.ctx.stationId, record, this.extractCtx));
    else await recordAudit(this.db, this.ctx.stationId, record, this.extractCtx);
  }

  /**
   * Records a change made beside this repository's resources in its transaction (a resident's app
   * account following a merge): written now, in the transaction — not queued like a read's — so
   * the change and its record are stored together or not at all.
   */
  async auditChange(input: Omit<AuditInput, 'actor'>): Promise<void> {
    if (!this.ctx.audit) return;
    await recordAudit(this.db, this.ctx.stationId, { ...input, actor: this.ctx.access.actor }, this.extractCtx);
  }

  /**
   * Runs `work` on this repository's connection — inside its transaction when it is in one — for
   * a store sharing the database whose rows must change with the resources (merge.ts's followers).
   * Nothing here applies the access policy: the caller has checked it.
   */
  onConnection<T>(work: (q: Queryable) => Promise<T>): Promise<T> {
    return inTransaction(this.db, work);
  }

  /** Before anyone who may read the audit trail reads, what waits in the audit queue is stored. */
  private async syncAuditTrail(resourceType: string | undefined): Promise<void> {
    if (!this.ctx.auditQueue || (resourceType !== undefined && resourceType !== 'AuditEvent')) return;
    if (this.ctx.access.allows('AuditEvent', 'r') || this.ctx.access.allows('AuditEvent', 's')) await this.ctx.auditQueue.flush();
  }

  /** Stores every queued audit record (shutdown). */
  flushAudit(): Promise<void> {
    return this.ctx.auditQueue?.flush() ?? Promise.resolve();
  }

  /** Runs what waits for a transaction Bundle's entries (derived records), if this repository defers writes. */
  async settle(): Promise<void> {
    if (this.db instanceof DeferredWrites) await this.db.settle();
  }

  /**
   * Runs `work` once the transaction Bundle this repository writes for has written its entries and
   * run what was queued before (it joins the end of the queue, DeferredWrites.settle); at once
   * outside a Bundle. Derivations are queued so; one that must see what every entry's derivation
   * released first (two appointments swapping their slots: telemedicine/slots-follow.ts) queues
   * its second step here from within its first.
   */
  async afterOtherEntries(work: () => Promise<void>): Promise<void> {
    if (this.db instanceof DeferredWrites) this.db.afterEntries(work);
    else await work();
  }

  /**
   * Runs a transaction Bundle's work with its audit records gathered into one AuditEvent (every
   * resource it read or wrote), written inside the same database transaction at the end.
   */
  async withBatchedAudit<T>(work: (repo: Repository) => Promise<T>): Promise<T> {
    if (!this.ctx.audit) return work(this);
    const batch = { entities: [] as string[], patients: new Set<string>() };
    const result = await work(new Repository(this.db, { ...this.ctx, auditBatch: batch }));
    if (batch.entities.length) {
      await recordAudit(this.db, this.ctx.stationId, { actor: this.ctx.access.actor, interaction: 'operation', outcome: '0', outcomeDesc: 'transaction', entities: batch.entities, patients: [...batch.patients] }, this.extractCtx);
    }
    return result;
  }

  private auditRead(interaction: AuditInteraction, resources: Resource[], query?: string, resourceType?: string): Promise<void> {
    return this.audit({
      interaction,
      outcome: '0',
      entities: resources.map(versionedReference),
      patients: resources.flatMap(patientsOf),
      query,
      resourceType,
    });
  }

  assertType(resourceType: string): void {
    if (!this.ctx.defs.resourceTypes.has(resourceType)) {
      throw new OperationOutcomeError(
        outcome('error', 'not-supported', bilingual(`Loại tài nguyên không được hỗ trợ: ${echoed(resourceType)}`, `Unknown resource type ${echoed(resourceType)}`)),
        404,
      );
    }
  }

  private assertId(id: string): void {
    if (!isValidId(id)) throw badRequest(`Mã định danh không hợp lệ: ${echoed(id)}`, `Invalid resource id: ${echoed(id)}`);
  }

  // ---------------------------------------------------------------- reads

  /** The current version; 404 when unknown (or not visible to the actor), 410 when deleted. */
  async read(resourceType: string, id: string): Promise<Resource> {
    const head = await this.readHeadOrFail(resourceType, id);
    if (head.deleted) throw gone(`${resourceType}/${id}`);
    await this.auditRead('read', [head.content]);
    return head.content;
  }

  /**
   * The stored head, whether deleted or not; 404 when it never existed or the actor cannot see
   * it (another patient's record answers 404, so its existence does not leak).
   */
  async readHeadOrFail(resourceType: string, id: string): Promise<StoredHead> {
    this.assertType(resourceType);
    this.require(resourceType, 'r');
    await this.syncAuditTrail(resourceType);
    if (!isValidId(id)) throw notFound(`${resourceType}/${id}`);
    const head = await this.visibleHead(resourceType, id, 'r');
    if (!head) throw notFound(`${resourceType}/${id}`);
    return head;
  }

  /**
   * The stored head as the actor may see it for `action`: none when it is outside the patient
   * compartment or fails the action's scope or role constraints (`?category=…`), so a write
   * treats such a resource as one it cannot see, as a read does (404, a delete's no-op).
   */
  private async visibleHead(resourceType: string, id: string, action: Action): Promise<StoredHead | undefined> {
    const head = await readHead(this.db, this.ctx.stationId, resourceType, id, this.compartmentFor(resourceType));
    return head && this.meetsConstraints(head.content, action) ? head : undefined;
  }

  /**
   * The RelatedPerson a carer's token acts as (its `fhirUser`, set by the server for the carer's
   * link: docs/security.md "Carers"); undefined for anyone else.
   */
  actingCarer(): string | undefined {
    const reference = this.ctx.access.actor.reference;
    return this.ctx.access.patientCompartment !== undefined && reference?.startsWith('RelatedPerson/') ? reference : undefined;
  }

  /** Whether `resource` matches the constraints the actor's grant of `action` carries (search/match.ts). */
  private meetsConstraints(resource: Resource, action: Action): boolean {
    return meetsConstraints(resource, this.ctx.access.constraints(resource.resourceType, action), this.extractCtx);
  }

  async vread(resourceType: string, id: string, versionId: string): Promise<Resource> {
    await this.readHeadOrFail(resourceType, id);
    // The server's version ids are 1, 2, 3… as text, stored as a PostgreSQL integer: other text
    // (`1.0`, `01`) is another id, and a number past the column's range is no version of ours.
    const vid = Number(versionId);
    if (!/^[1-9]\d*$/.test(versionId) || vid > MAX_VERSION_ID) throw notFound(`${resourceType}/${id}/_history/${versionId}`);
    const version = await readVersion(this.db, this.ctx.stationId, resourceType, id, vid);
    if (!version) throw notFound(`${resourceType}/${id}/_history/${versionId}`);
    if (!version.content) throw gone(`${resourceType}/${id}/_history/${versionId}`);
    await this.auditRead('vread', [version.content]);
    return version.content;
  }

  /**
   * History of an instance (read), a type or the system (search), within what the actor may see.
   * Scope constraints (`?category=…`, an officer's `type=summary`) are not put into the history
   * SQL: they test a resource's current index rows, which an older version or a deletion does not
   * have. So an instance answers 404 unless its current version meets them (as a read does), a
   * constrained type's history is refused (403; a search on `_lastUpdated` serves such a caller),
   * and system history leaves constrained types out, as a system-level search does.
   */
  async history(query: HistoryQuery, rawQuery?: string): Promise<HistoryPage> {
    const { resourceType, id } = query;
    if (resourceType) this.assertType(resourceType);
    await this.syncAuditTrail(resourceType);
    if (resourceType && id) await this.readHeadOrFail(resourceType, id);
    else if (resourceType) this.requireUnconstrained(resourceType);
    const types = resourceType ? undefined : [...this.ctx.defs.resourceTypes].filter((t) => this.ctx.access.allows(t, 's') && this.ctx.access.constraints(t, 's').length === 0);
    const page = await readHistory(this.db, this.ctx.stationId, {
      ...query,
      types: types && types.length < this.ctx.defs.resourceTypes.size ? types : undefined,
      patientCompartment: resourceType ? this.compartmentFor(resourceType) : this.ctx.access.patientCompartment,
    });
    const level = id ? 'history-instance' : resourceType ? 'history-type' : 'history-system';
    await this.auditRead(level, page.entries.flatMap((e) => (e.content ? [e.content] : [])), rawQuery ?? '', resourceType);
    return page;
  }

  parseSearch(resourceType: string, pairs: [string, string][]): SearchRequest {
    this.assertType(resourceType);
    return parseSearch(resourceType, pairs, this.ctx.defs);
  }

  /** Keeps a search's link parameters for the actor's next pages (store/search-queries.ts); its key. */
  keepSearchQuery(pairs: [string, string][]): Promise<string> {
    return keepSearchQuery(this.db, this.ctx.stationId, this.ctx.access.actor.id, pairs);
  }

  /** A search's query with the kept query its paging link names put back. */
  expandSearchQuery(query: [string, string][]): Promise<[string, string][]> {
    return expandSearchQuery(this.db, this.ctx.stationId, this.ctx.access.actor.id, query);
  }

  /**
   * Runs a search within what the actor may see: the patient compartment and scope constraints
   * go into the SQL — the searched type's, and those of every type its chains, `_has` and includes
   * reach (store/search-access.ts); included resources of types the actor may not read are left out.
   */
  async search(req: SearchRequest, rawQuery?: string): Promise<SearchResult> {
    if (req.resourceType) this.require(req.resourceType, 's');
    else this.restrictSystemSearch(req);
    await this.syncAuditTrail(req.resourceType);
    // A sync's point is read before the data (search/sync-point.ts), once per answer.
    const syncPoint = req.sync ? (req.syncPoint ?? (await readSyncPoint(this.db, syncedFrom(req, this.ctx.timeZone)))) : undefined;
    const result = await this.runSearch(this.db, req);
    result.syncPoint = syncPoint;
    await this.auditRead('search', [...result.resources, ...result.included], rawQuery ?? '', req.resourceType);
    return result;
  }

  /**
   * A system-level search ($everything, `_type=…`) covers only the types the actor may search
   * without scope constraints (a `?category=` constraint is applied in type-level searches only).
   * A `_type` the client wrote naming a type it may not search is refused, as a search of that
   * type would be; the types the server chose ($everything's) are narrowed to what it may see.
   */
  private restrictSystemSearch(req: SearchRequest): void {
    const asked = req.types.length ? req.types : [...this.ctx.defs.resourceTypes];
    const allowed = asked.filter((t) => this.ctx.access.allows(t, 's') && this.ctx.access.constraints(t, 's').length === 0);
    if (req.types.length && !req.defaultTypes && allowed.length < asked.length) this.require(asked.find((t) => !allowed.includes(t))!, 's');
    if (!allowed.length) throw forbidden('Bạn không có quyền tìm kiếm', 'Not allowed to search');
    if (allowed.length < asked.length || req.types.length) req.types = allowed;
  }

  /** The patient whose compartment bounds access to `type` (store/search-access.ts). */
  private compartmentFor(type: string): string | undefined {
    return compartmentOf(this.ctx.access, this.ctx.defs, type);
  }

  private async runSearch(q: Queryable, req: SearchRequest): Promise<SearchResult> {
    const own = req.resourceType ? this.compartmentFor(req.resourceType) : this.ctx.access.patientCompartment;
    if (own !== undefined) {
      // Another patient's compartment intersected with one's own is empty.
      if (req.compartment && (req.compartment.type !== 'Patient' || req.compartment.id !== own)) {
        return { resources: [], included: [], includesTruncated: false, total: 0 };
      }
      req.compartment = { type: 'Patient', id: own };
    }
    // Before the type's own constraints join the filters: those name no other type.
    boundInnerSearches(req.filters, this.ctx.access, this.ctx.defs);
    if (req.resourceType) req.filters.push(...constraintFilters(this.ctx.access, this.ctx.defs, req.resourceType, 's'));
    if (req.include.length) req.includeAccess = includeAccess(this.ctx.access, this.ctx.defs);
    const planContext = { stationId: this.ctx.stationId, timeZone: this.ctx.timeZone, baseUrl: this.ctx.baseUrl, prefixes: this.ctx.prefixes };
    await expandValueSetFilters(req.filters, (reference) => expandValueSet(q, planContext, this.ctx.defs, reference));
    return executeSearch(q, req, planContext);
  }

  /** Ids of resources matching a conditional query (`identifier=x|y`); at most `limit`. */
  private async matchIds(q: Queryable, resourceType: string, query: string, limit = 2): Promise<string[]> {
    const pairs = [...new URLSearchParams(query)] as [string, string][];
    const req = parseSearch(resourceType, pairs, this.ctx.defs);
    if (req.ignored.length) {
      throw badRequest(
        `Điều kiện không hợp lệ: ${req.ignored.map((i) => i.name).join(', ')}`,
        `Conditional criteria have unsupported parameters: ${req.ignored.map((i) => `${i.name} (${i.reason})`).join(', ')}`,
      );
    }
    if (!req.filters.length) throw badRequest('Điều kiện trống', 'Conditional criteria are empty');
    req.count = limit;
    req.total = 'none';
    const result = await this.runSearch(q, req);
    return result.resources.map((r) => r.id!);
  }

  /**
   * Serialises conditional writes on the same criteria: a transaction-scoped advisory lock on a
   * hash of (station, type, criteria) is held from the search until the commit, so ten concurrent
   * conditional creates leave exactly one resource (anchors.md: HAPI/Microsoft duplicates).
   */
  private async lockCondition(tx: Queryable, resourceType: string, query: string): Promise<void> {
    await tx.query('SELECT pg_advisory_xact_lock($1::bigint)', [conditionLockKey(this.ctx.stationId, resourceType, query)]);
  }

  // ---------------------------------------------------------------- writes

  /**
   * Within the caller's transaction: locks the criteria (held to commit) and returns the id of the
   * one resource matching them, undefined when none (412 when `required`), 412 when several.
   * `gone` (`Type/id`s) are counted as deleted already: a transaction's DELETE entries, decided
   * before they run, which R4 runs before every other entry (bundle/targets.ts).
   */
  async findConditionalMatch(resourceType: string, query: string, required = false, gone?: ReadonlySet<string>): Promise<string | undefined> {
    this.assertType(resourceType);
    await this.lockCondition(this.db, resourceType, query);
    const prefix = `${resourceType}/`;
    const skipped = gone ? [...gone].filter((ref) => ref.startsWith(prefix)).length : 0;
    const ids = (await this.matchIds(this.db, resourceType, query, 2 + skipped)).filter((id) => !gone?.has(prefix + id));
    if (ids.length > 1) throw multipleMatches(resourceType, query);
    if (required && ids.length === 0) {
      throw preconditionFailed(`Không có ${resourceType} nào khớp ${echoed(query)}`, `No ${resourceType} matches ${echoed(query)}`);
    }
    return ids[0];
  }

  /**
   * Ids of the resources a condition matches now, at most `limit`, without taking its lock: a
   * transaction's second look at conditions it already holds (bundle/recheck.ts).
   */
  async conditionMatches(resourceType: string, query: string, limit: number): Promise<string[]> {
    return this.matchIds(this.db, resourceType, query, limit);
  }

  /**
   * 403 unless the caller may search `type`: a transaction's conditional reference
   * (`Patient?identifier=…`) is a search of it, whose match would be written where the caller
   * reads it back (the reference's `Type/id`), and whose failure tells none from several.
   */
  requireSearch(type: string): void {
    this.assertType(type);
    this.require(type, 's');
  }

  /**
   * 403 unless the caller may do the conditional write it asks for (a PUT may create, so `c`
   * serves it too), checked before its criteria are searched: answered by what they match
   * (several 412, one 403, none 200 or a create) they would be a search the caller may not do —
   * an officer learning whether a resident with a given identifier lives here. For the same reason
   * the caller must also be allowed to search the type (R4 http.html: the server "performs a
   * search"): a client that may only create Observations would otherwise learn from
   * `If-None-Exist` whether a record matching any criteria exists (201 none, 403 one, 412 several),
   * however little it may read. The search then runs within the caller's search constraints.
   */
  requireConditional(resourceType: string, method: 'POST' | 'PUT' | 'PATCH' | 'DELETE'): void {
    this.assertType(resourceType);
    if (!(method === 'PUT' && this.ctx.access.allows(resourceType, 'c'))) {
      this.require(resourceType, ({ POST: 'c', PUT: 'u', PATCH: 'u', DELETE: 'd' } as const)[method]);
    }
    if (!this.ctx.access.allows(resourceType, 's')) {
      throw forbidden(
        `Ghi có điều kiện là một phép tìm kiếm ${resourceType}, mà bạn không có quyền tìm kiếm ${resourceType}; hãy ghi không kèm điều kiện`,
        `A conditional write searches ${resourceType}, and you may not search ${resourceType}; write without criteria instead`,
      );
    }
  }

  /**
   * Create with a server-assigned id (or one the Bundle processor chose in advance);
   * with `ifNoneExist`, only when nothing matches.
   */
  async create(resource: Resource, ifNoneExist?: string, assignedId?: string): Promise<WriteResult> {
    this.assertType(resource.resourceType);
    this.require(resource.resourceType, 'c');
    if (!ifNoneExist) return this.commit(resource, assignedId ?? randomUUID(), undefined, 'POST');
    this.requireConditional(resource.resourceType, 'POST');
    return this.withTransaction(async (repo) => {
      const match = await repo.findConditionalMatch(resource.resourceType, ifNoneExist);
      if (match !== undefined) return { resource: await repo.read(resource.resourceType, match), created: false, issues: [] };
      return repo.commit(resource, randomUUID(), undefined, 'POST');
    });
  }

  /** Update (PUT) by id; creates the resource with the client's id when it does not exist. */
  async update(resourceType: string, id: string, resource: Resource, options: WriteOptions = {}): Promise<WriteResult> {
    this.assertType(resourceType);
    this.assertId(id);
    if (resource.resourceType !== resourceType) {
      throw badRequest(
        `Loại tài nguyên ${resource.resourceType} khác với URL (${resourceType})`,
        `Resource type ${resource.resourceType} does not match the URL (${resourceType})`,
        ['resourceType'],
      );
    }
    if (resource.id === undefined) throw badRequest('Thiếu id trong tài nguyên', 'The resource must contain an id for update', [`${resourceType}.id`]);
    if (resource.id !== id) {
      throw badRequest(`id trong nội dung (${echoed(resource.id)}) khác với URL (${echoed(id)})`, `Resource id ${echoed(resource.id)} does not match the URL id ${echoed(id)}`, [
        `${resourceType}.id`,
      ]);
    }
    for (let attempt = 1; ; attempt++) {
      const head = await this.visibleHead(resourceType, id, 'u');
      if (!head) await this.refuseHiddenId(resourceType, id);
      this.require(resourceType, head && !head.deleted ? 'u' : 'c');
      if (options.createOnly && head && !head.deleted) {
        throw conflict(
          `Không có ${resourceType} nào khớp điều kiện, nhưng id ${id} đã là của một tài nguyên khác`,
          `No ${resourceType} matches the criteria, and id ${id} belongs to another resource`,
        );
      }
      if (!ifMatchHolds(options.ifMatch, head)) throw staleVersion(resourceType, id, options.ifMatch!, head);
      if (head && !head.deleted && sameContent(head.content, resource)) {
        return { resource: head.content, created: false, issues: [] };
      }
      try {
        return await this.commit(resource, id, head, 'PUT');
      } catch (err) {
        // `If-Match: *` names no version: like a plain update it reads again (and checks again).
        if (!(err instanceof LostRace) || namesVersions(options.ifMatch) || attempt >= UPDATE_RETRIES || 'inTransaction' in this.db) {
          throw err instanceof LostRace ? lostRace(resourceType, id, options.ifMatch) : err;
        }
      }
    }
  }

  /**
   * An update-as-create under a patient compartment or a constrained grant must not land on an id
   * that exists outside what the caller sees (someone else's record, a deleted one whose history is
   * not the caller's, a laboratory result under a vital-signs grant): 403, not a 409 after a lost
   * race, and nothing written.
   */
  private async refuseHiddenId(resourceType: string, id: string): Promise<void> {
    if (this.compartmentFor(resourceType) === undefined && this.ctx.access.constraints(resourceType, 'u').length === 0) return;
    if (await readHead(this.db, this.ctx.stationId, resourceType, id)) {
      throw forbidden(`Không được ghi vào ${resourceType}/${id}`, `${resourceType}/${id} is outside what this app may write`);
    }
  }

  /**
   * Conditional update: the criteria pick the resource (one → update, more → 412; none → create,
   * under an id no resource holds, else 409).
   */
  async conditionalUpdate(resourceType: string, query: string, resource: Resource, options: WriteOptions = {}): Promise<WriteResult> {
    this.requireConditional(resourceType, 'PUT');
    return this.withTransaction(async (repo) => {
      const match = await repo.findConditionalMatch(resourceType, query);
      if (match !== undefined) {
        if (resource.id !== undefined && resource.id !== match) {
          throw badRequest(`id ${echoed(resource.id)} khác với tài nguyên khớp điều kiện (${echoed(match)})`, `Resource id ${echoed(resource.id)} differs from the match ${echoed(match)}`);
        }
        return repo.update(resourceType, match, { ...resource, id: match }, options);
      }
      if (resource.resourceType !== resourceType) {
        throw badRequest(`Loại tài nguyên khác với URL`, `Resource type ${echoed(resource.resourceType)} does not match the URL (${resourceType})`);
      }
      // Update-as-create, with the body's id or a new one: an id that is taken is a 409, also when
      // it is taken while this runs (the write is guarded on the head it checked, and retries).
      const id = resource.id ?? randomUUID();
      return repo.update(resourceType, id, { ...resource, id }, { ...options, createOnly: true });
    });
  }

  /** JSON Patch (RFC 6902), then the same path as update. */
  async patch(resourceType: string, id: string, operations: unknown, options: WriteOptions = {}): Promise<WriteResult> {
    if ((operations as { resourceType?: unknown } | null)?.resourceType === 'Parameters') {
      throw notSupported('Không hỗ trợ FHIRPath Patch; hãy gửi JSON Patch (application/json-patch+json)', 'FHIRPath Patch is not supported; send a JSON Patch (application/json-patch+json)');
    }
    if (!Array.isArray(operations)) throw badRequest('Nội dung PATCH phải là mảng JSON Patch', 'A JSON Patch body must be an array of operations');
    const head = await this.readHeadOrFail(resourceType, id);
    this.require(resourceType, 'u');
    if (!this.meetsConstraints(head.content, 'u')) throw notFound(`${resourceType}/${id}`);
    if (head.deleted) throw gone(`${resourceType}/${id}`);
    if (!ifMatchHolds(options.ifMatch, head)) throw staleVersion(resourceType, id, options.ifMatch!, head);
    let patched: Resource;
    try {
      patched = applyPatch(structuredClone(head.content), operations as Operation[], true, true).newDocument;
    } catch (err) {
      const name = (err as { name?: string }).name ?? '';
      const message = (err as Error).message.split('\n')[0];
      if (name === 'TEST_OPERATION_FAILED') {
        throw new OperationOutcomeError(outcome('error', 'processing', bilingual('Phép kiểm tra (test) trong PATCH không đạt', `JSON Patch test failed: ${message}`)), 422);
      }
      throw badRequest('JSON Patch không hợp lệ', `Invalid JSON Patch: ${message}`);
    }
    // A patch of the root (`path: ""`) may leave null, which has no properties to compare.
    if (patched?.resourceType !== resourceType || patched.id !== id) {
      throw badRequest('PATCH không được đổi loại hoặc id', 'A patch may not change resourceType or id');
    }
    if (sameContent(head.content, patched)) return { resource: head.content, created: false, issues: [] };
    try {
      return await this.commit(patched, id, head, 'PATCH');
    } catch (err) {
      throw err instanceof LostRace ? lostRace(resourceType, id, options.ifMatch) : err;
    }
  }

  /** Soft delete: a new version marks the resource deleted; deleting the absent is a no-op. */
  async delete(resourceType: string, id: string, options: WriteOptions = {}): Promise<void> {
    this.assertType(resourceType);
    this.require(resourceType, 'd');
    if (!isValidId(id)) return;
    const head = await this.visibleHead(resourceType, id, 'd');
    if (!ifMatchHolds(options.ifMatch, head)) throw staleVersion(resourceType, id, options.ifMatch!, head);
    if (!head || head.deleted) return;
    // What was derived from the resource goes with it, in the same transaction.
    const derived = this.ctx.derivations.filter((d) => d.appliesTo(head.content));
    if (derived.length) return this.withDerivations((repo) => repo.deleteVersion(resourceType, id, head, options.ifMatch), derived, (d, repo) => d.retract(head.content, repo));
    return this.deleteVersion(resourceType, id, head, options.ifMatch);
  }

  private async deleteVersion(resourceType: string, id: string, head: StoredHead, ifMatch?: WriteOptions['ifMatch']): Promise<void> {
    this.requireOwnChart(this.patientsIn(head.content));
    const own = this.ctx.access.patientCompartment;
    if (own !== undefined && !this.ctx.byOperation) {
      requireAboutOwn(head.content, own, this.ctx.baseUrl);
      requireOwnDeletion(head.content, own, this.ctx.baseUrl, this.actingCarer());
    }
    const write: VersionWrite = {
      stationId: this.ctx.stationId,
      resourceType,
      id,
      versionId: head.versionId + 1,
      previousVersion: head.versionId,
      method: 'DELETE',
      content: head.content,
      rows: emptyRows(),
      stringKeys: stringRowKeys(this.ctx.defs, resourceType),
    };
    const written = await writeVersion(this.db, write, this.auditCompanions('delete', head.content, patientsOf(head.content)));
    if (!written) throw lostRace(resourceType, id, ifMatch);
  }

  /**
   * A patient-context caller writes its own chart only: every patient a resource (as written, or
   * as stored before the write) places in the Patient compartment must be the caller's. Being
   * among them is not enough: many types have several compartment fields (an AllergyIntolerance's
   * patient, recorder, asserter; an Observation's subject, performer), and naming oneself in one
   * of them while another field names someone else writes into that person's chart. A resource in
   * no patient's compartment is refused too: it would be outside the caller's chart as well.
   * A stored resource reached here is one the caller can read (it is among its members), so the
   * 403 tells it nothing it could not read.
   */
  private requireOwnChart(patients: readonly string[]): void {
    const own = this.ctx.access.patientCompartment;
    if (own === undefined || (patients.length > 0 && patients.every((p) => p === own))) return;
    throw forbidden('Ứng dụng chỉ được ghi hồ sơ của chính người dùng, không ghi hồ sơ của người khác', `A patient-context client may only write resources that belong to Patient/${own} alone`);
  }

  /** The patients whose compartment a resource is in (the stored content of a write's target). */
  private patientsIn(resource: Resource): string[] {
    if (this.ctx.access.patientCompartment === undefined) return [];
    return patientMembers(extractIndexRows(resource, this.extractCtx));
  }

  /** The AuditEvent that records a write, written in the write's own statement. */
  private auditCompanions(interaction: AuditInteraction, resource: Resource, patients: string[]): VersionWrite[] {
    if (!this.ctx.audit) return [];
    if (this.ctx.auditBatch) {
      this.ctx.auditBatch.entities.push(versionedReference(resource));
      patients.forEach((p) => this.ctx.auditBatch!.patients.add(p));
      return [];
    }
    const input: AuditInput = { actor: this.ctx.access.actor, interaction, outcome: '0', entities: [versionedReference(resource)], patients };
    return [auditWrite(this.ctx.stationId, input, this.extractCtx)];
  }

  /**
   * Conditional patch: PATCH [type]?criteria. The one match is patched; none is 404 (a patch has
   * nothing to create from), several 412 — under the criteria's lock, as conditional update.
   */
  async conditionalPatch(resourceType: string, query: string, operations: unknown, options: WriteOptions = {}): Promise<WriteResult> {
    this.requireConditional(resourceType, 'PATCH');
    return this.withTransaction(async (repo) => {
      const match = await repo.findConditionalMatch(resourceType, query);
      if (match === undefined) throw noMatch(resourceType, query);
      return repo.patch(resourceType, match, operations, options);
    });
  }

  /** Conditional delete: none → no-op, one → delete it (If-Match checked against it), more → 412. */
  async conditionalDelete(resourceType: string, query: string, options: WriteOptions = {}): Promise<void> {
    this.requireConditional(resourceType, 'DELETE');
    await this.withTransaction(async (repo) => {
      const match = await repo.findConditionalMatch(resourceType, query);
      if (match !== undefined) await repo.delete(resourceType, match, options);
    });
  }

  /** Validates without writing ($validate). */
  validate(resource: Resource): OperationOutcomeIssue[] {
    this.assertType(resource.resourceType);
    return validate(resource, this.ctx.defs, this.ctx.profiles, this.ctx.rules);
  }

  /**
   * Writes a version and, in the same transaction, the records derived from it; an update after
   * which a derivation no longer applies removes what it derived from the previous version.
   */
  private async commit(given: Resource, id: string, head: StoredHead | undefined, method: 'POST' | 'PUT' | 'PATCH'): Promise<WriteResult> {
    // Assignments and derivations read the resource as the definitions type it: a malformed one
    // (`"subject": {"reference": 5}`) is refused before they see it.
    if (!wellShaped(given)) throw invalidResource(validate(given, this.ctx.defs, this.ctx.profiles, this.ctx.rules));
    const previous = head && !head.deleted ? head.content : undefined;
    const input = previous ? given : await this.assigned(given);
    const derivations = this.ctx.derivations.filter((d) => d.appliesTo(input, previous) || (previous !== undefined && d.appliesTo(previous)));
    if (derivations.length === 0) return this.commitVersion(input, id, head, method);
    return this.withDerivations(
      (repo) => repo.commitVersion(input, id, head, method),
      derivations,
      (d, repo, result) => (d.appliesTo(result.resource, previous) ? d.derive(result.resource, repo, result.created, previous) : d.retract(previous!, repo)),
    );
  }

  /** `resource` with what the registered assignments fill in on a create. */
  private async assigned(resource: Resource): Promise<Resource> {
    // In a Bundle, a sequence's value needs none of the entries waiting to be written (deferred-writes.ts).
    const db = this.db instanceof DeferredWrites ? this.db.aside : this.db;
    let assigned = resource;
    for (const a of this.ctx.assignments) if (a.appliesTo(assigned)) assigned = await a.assign(assigned, db);
    return assigned;
  }

  /**
   * Runs `write`, then each derivation's `follow` on its result, as one transaction (the caller's,
   * if it is in one): the derived records and the write stand or fall together. In a Bundle they
   * wait until every entry is written (DeferredWrites.settle).
   */
  private withDerivations<T>(
    write: (repo: Repository) => Promise<T>,
    derivations: readonly Derivation[],
    follow: (d: Derivation, repo: Repository, result: T) => Promise<void>,
  ): Promise<T> {
    const inner = async (repo: Repository): Promise<T> => {
      const result = await write(repo);
      for (const d of derivations) await repo.afterOtherEntries(() => follow(d, repo, result));
      return result;
    };
    return 'inTransaction' in this.db ? inner(this) : this.withTransaction(inner);
  }

  /**
   * The one place a version is written: stamps meta, validates, indexes, stores.
   * Throws LostRace when another writer got there first.
   */
  private async commitVersion(input: Resource, id: string, head: StoredHead | undefined, method: 'POST' | 'PUT' | 'PATCH'): Promise<WriteResult> {
    const versionId = (head?.versionId ?? 0) + 1;
    const resource = {
      ...input,
      id,
      // lastUpdated is replaced by the database with the transaction's time (see writeVersion).
      meta: { ...input.meta, versionId: String(versionId), lastUpdated: new Date().toISOString() },
    } as Resource;
    // commit() has checked the shape of what it was given; the assignments and the stamped meta keep it.
    const issues = validate(resource, this.ctx.defs, this.ctx.profiles, this.ctx.rules, { wellShaped: true });
    if (hasErrors(issues)) throw invalidResource(issues);
    const rows = extractIndexRows(resource, this.extractCtx);
    const patients = patientMembers(rows);
    this.requireOwnChart(patients);
    if (head) this.requireOwnChart(this.patientsIn(head.content));
    const own = this.ctx.access.patientCompartment;
    if (own !== undefined && !this.ctx.byOperation) {
      const previous = head && !head.deleted ? head.content : undefined;
      if (previous) requireAboutOwn(previous, own, this.ctx.baseUrl);
      requireAboutOwn(resource, own, this.ctx.baseUrl);
      requireOwnRequests(resource, previous, own, this.ctx.baseUrl, this.actingCarer());
      requireOwnFindingsUnconfirmed(resource, previous);
    }
    // The grant's constraints bind what is written as they bind what is read; the stored content
    // was held to them when the head was read (visibleHead), and the write is guarded on that head.
    const action: Action = head && !head.deleted ? 'u' : 'c';
    if (!this.meetsConstraints(resource, action)) throw notCovered(resource.resourceType, action);
    const interaction: AuditInteraction = method === 'POST' ? 'create' : method === 'PUT' ? 'update' : 'patch';
    const write: VersionWrite = {
      stationId: this.ctx.stationId,
      resourceType: resource.resourceType,
      id,
      versionId,
      previousVersion: head?.versionId ?? 0,
      method,
      content: resource,
      rows,
      stringKeys: stringRowKeys(this.ctx.defs, resource.resourceType),
    };
    const companions = this.auditCompanions(interaction, { ...resource }, patients);
    if (!head && method === 'POST' && companions.length === 0 && this.db instanceof DeferredWrites) {
      // Written with the transaction's other new resources; stamped with its time, as it would be now.
      resource.meta!.lastUpdated = await this.db.timestamp();
      this.db.defer(write);
      return { resource, created: true, issues };
    }
    // A create on its own (no transaction around it) may share its statement with others (create-batch.ts).
    const batch = !head && method === 'POST' && !('inTransaction' in this.db) ? this.ctx.createBatch : undefined;
    const written = await (batch ? batch.write(write, companions) : writeVersion(this.db, write, companions)).catch((err: unknown) => {
      throw identifierConflict(err, this.ctx.uniqueIdentifiers, resource) ?? err;
    });
    if (!written) {
      if (!head && method === 'POST') throw conflict('Tài nguyên đã tồn tại', `${resource.resourceType}/${id} already exists`);
      throw new LostRace();
    }
    resource.meta!.lastUpdated = written.lastUpdated;
    return { resource, created: !head || head.deleted, issues };
  }
}

const patientMembers = (rows: IndexRows): string[] => rows.compartment.filter((c) => c.compartmentType === 'Patient').map((c) => c.compartmentId);

/** Internal signal: the optimistic version guard failed. */
class LostRace extends Error {}

/** Same content apart from meta.versionId/lastUpdated: an update that changes nothing makes no version. */
function sameContent(stored: Resource, incoming: Resource): boolean {
  const strip = (r: Resource): Resource => {
    const meta = { ...r.meta };
    delete meta.versionId;
    delete meta.lastUpdated;
    const copy = { ...r, meta } as Resource;
    if (Object.keys(meta).length === 0) delete copy.meta;
    return copy;
  };
  return compare(strip(stored), strip(incoming)).length === 0;
}

/** Whether If-Match (absent: nothing to check) holds for the stored head. */
function ifMatchHolds(ifMatch: WriteOptions['ifMatch'], head: StoredHead | undefined): boolean {
  if (ifMatch === undefined) return true;
  if (ifMatch === '*') return head !== undefined && !head.deleted;
  return head !== undefined && (typeof ifMatch === 'number' ? ifMatch === head.versionId : ifMatch.includes(head.versionId));
}

/** Whether If-Match names versions (not `*`): a write that then loses a race has failed it. */
const namesVersions = (ifMatch: WriteOptions['ifMatch']): ifMatch is number | readonly number[] => ifMatch !== undefined && ifMatch !== '*';

const versionList = (ifMatch: number | readonly number[]): string => (typeof ifMatch === 'number' ? String(ifMatch) : ifMatch.join(', '));

function staleVersion(type: string, id: string, expected: NonNullable<WriteOptions['ifMatch']>, head: StoredHead | undefined): OperationOutcomeError {
  if (expected === '*') {
    return preconditionFailed(
      `If-Match: * không thỏa: ${type}/${id} ${head ? 'đã bị xóa' : 'không tồn tại'}`,
      `If-Match: * does not hold: ${type}/${id} ${head ? 'is deleted' : 'does not exist'}`,
    );
  }
  return preconditionFailed(
    `Phiên bản ${versionList(expected)} của ${type}/${id} đã cũ (hiện tại: ${head?.versionId ?? 'không có'})`,
    `Version ${versionList(expected)} of ${type}/${id} is not current (current: ${head?.versionId ?? 'none'})`,
  );
}

/**
 * A write whose version guard failed: someone wrote the resource between our read and our write.
 * Under If-Match that is the client's precondition failing (412, http.html#concurrency) whichever
 * moment it failed at; without one, a conflicting concurrent write (409).
 */
function lostRace(type: string, id: string, ifMatch: WriteOptions['ifMatch']): OperationOutcomeError {
  if (namesVersions(ifMatch)) {
    return preconditionFailed(`Phiên bản ${versionList(ifMatch)} của ${type}/${id} vừa bị người khác thay thế`, `Version ${versionList(ifMatch)} of ${type}/${id} was replaced concurrently`);
  }
  return conflict(`${type}/${id} vừa được người khác sửa; hãy đọc lại và thử lại`, `${type}/${id} was changed concurrently; read it again and retry`);
}

function noMatch(type: string, query: string): OperationOutcomeError {
  return new OperationOutcomeError(outcome('error', 'not-found', bilingual(`Không có ${type} nào khớp điều kiện ${echoed(query)}`, `No ${type} matches ${echoed(query)}`)), 404);
}

/**
 * One text for a condition however its parameters are ordered (`a=1&b=2` and `b=2&a=1`) and however
 * its letters were typed: names and values in NFC (search/normalize.ts canonicalText), as the search
 * compares them, so `identifier=…|Nguyễn` composed and decomposed take one lock and find one resource.
 */
export function conditionKey(resourceType: string, query: string): string {
  const pairs = [...new URLSearchParams(query)].map(([name, value]) => [canonicalText(name), canonicalText(value)]);
  const canonical = pairs.sort(([a, x], [b, y]) => (a + x < b + y ? -1 : 1));
  return `${resourceType}\n${JSON.stringify(canonical)}`;
}

/** The advisory lock (a bigint, as text) a conditional write on `query` takes at a station: from its conditionKey. */
export function conditionLockKey(stationId: string, resourceType: string, query: string): string {
  const digest = createHash('sha256').update(`${stationId}\n${conditionKey(resourceType, query)}`).digest();
  return digest.readBigInt64BE(0).toString();
}

function multipleMatches(type: string, query: string): OperationOutcomeError {
  return preconditionFailed(`Nhiều ${type} khớp điều kiện ${echoed(query)}`, `More than one ${type} matches ${echoed(query)}`);
}
