import path from 'node:path';
import type { Database } from '../db/database';
import { PROJECT_ROOT } from '../paths';
import { SYSTEM_ACCESS } from './access';
import { extendDefinitions, loadR4Definitions, type R4Definitions } from './definitions';
import { createFhirRouter, type FhirRouter } from './router';
import { Repository } from './store/repository';
import { AuditQueue } from './store/audit-queue';
import { CreateBatcher } from './store/create-batch';
import type { Assignment } from './store/assignment';
import type { Derivation } from './store/derivation';
import { fixedSubscriptionDelivery } from './store/fixed-subscription';
import { consentFollowing, type ConsentFollower } from './store/consent-followers';
import { bookingThroughOperations } from '../telemedicine/direct-writes';
import { slotsFollowAppointments } from '../telemedicine/slots-follow';
import type { UniqueIdentifier } from './store/unique-identifiers';
import { loadConformancePack, type LoadedPack } from './validate/profiles';
import type { ResourceRule } from './validate/validator';
import { PrefixCommonness } from './search/string-page';

export interface EngineOptions {
  stationId: string;
  timeZone: string;
  baseUrl: string;
  /** Folder of our conformance resources (default: fhir-profiles/ at the project root). */
  profilesDir?: string;
  /** Domain rules checked on every write. */
  rules?: ResourceRule[];
  /** What the server fills in on the resources it creates (a station's patient number). */
  assignments?: Assignment[];
  /** Records derived from writes, in the same transaction. */
  derivations?: Derivation[];
  /** Identifiers no two resources may share (each kept by a constraint a migration creates). */
  uniqueIdentifiers?: UniqueIdentifier[];
  /** Told when queued audit records could not be stored (default: a line on stderr, no PHI). */
  onAuditError?: (err: Error) => void;
  version: string;
}

export interface FhirEngine {
  defs: R4Definitions;
  pack: LoadedPack;
  repo: Repository;
  router: FhirRouter;
  /**
   * Told of every Consent write and delete, in its transaction (consent-followers.ts): the auth
   * service registers itself here when it is built over the engine (src/auth/setup.ts).
   */
  consentFollowers: ConsentFollower[];
}


/** Assembles the FHIR engine over a database: definitions, profiles, repository and router. */
export function createFhirEngine(db: Database, options: EngineOptions): FhirEngine {
  const pack = loadConformancePack(options.profilesDir ?? path.join(PROJECT_ROOT, 'fhir-profiles'));
  const defs = extendDefinitions(loadR4Definitions(), pack);
  const consentFollowers: ConsentFollower[] = [];
  const repo = new Repository(db, {
    stationId: options.stationId,
    defs,
    profiles: pack,
    timeZone: options.timeZone,
    baseUrl: options.baseUrl,
    rules: options.rules ?? [],
    assignments: options.assignments ?? [],
    // A Subscription's delivery is the engine's own rule, whoever assembles it (tests on plain R4 too).
    // So is keeping a resident's app to the booking operations, which every engine serves (the
    // router's): first, so a refused direct write is told which operation to use before any other
    // check of it (a slot taken) answers.
    // So is keeping Slots and reminders in step with every other write of an Appointment (right
    // after that check, so a refused write takes or frees nothing first).
    // So is telling what follows a resident's Consent (their app's grants) that it changed.
    derivations: [bookingThroughOperations, slotsFollowAppointments, ...(options.derivations ?? []), fixedSubscriptionDelivery, consentFollowing(consentFollowers)],
    uniqueIdentifiers: options.uniqueIdentifiers ?? [],
    // The server's own work (boot, seed) is unrestricted and unaudited; each request acts through
    // repo.as(policy), which restricts and audits (src/http/authenticate.ts).
    access: SYSTEM_ACCESS,
    audit: false,
    auditQueue: new AuditQueue(db, options.onAuditError ?? ((err) => console.error(`audit records not stored: ${err.message}`))),
    createBatch: new CreateBatcher(db),
    prefixes: new PrefixCommonness(),
  });
  return { defs, pack, repo, router: createFhirRouter(defs, options.version), consentFollowers };
}
