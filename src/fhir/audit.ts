import { createHash } from 'node:crypto';
import type { AuditEvent, AuditEventEntity, Resource } from '@medplum/fhirtypes';
import type { Actor } from './access';
import { storedVersionId } from './search/stored-json';
import { storableText } from './storable-text';

/**
 * AuditEvents shaped like IHE Basic Audit Log Patterns (BALP): who (agent), what (entities: the
 * resources touched, their patients, the query), when (recorded), from where (network address),
 * outcome. Stored as FHIR resources in the same database — written in the same statement as the
 * change they record, and for reads before the response is sent.
 * https://profiles.ihe.net/ITI/BALP/
 */

export type AuditInteraction =
  | 'read'
  | 'vread'
  | 'create'
  | 'update'
  | 'patch'
  | 'delete'
  | 'search'
  // The three levels of history are three restful-interaction codes (BALP records the one it was).
  | 'history-instance'
  | 'history-type'
  | 'history-system'
  | 'operation'
  | 'login'
  | 'logout';

const ACTION: Record<AuditInteraction, AuditEvent['action']> = {
  read: 'R',
  vread: 'R',
  search: 'E',
  'history-instance': 'R',
  'history-type': 'R',
  'history-system': 'R',
  operation: 'E',
  create: 'C',
  update: 'U',
  patch: 'U',
  delete: 'D',
  login: 'E',
  logout: 'E',
};

/** Outcome codes of AuditEvent.outcome: 0 success, 4 minor failure (refused, not found), 8 serious, 12 major. */
export type AuditOutcome = '0' | '4' | '8' | '12';

export interface AuditInput {
  actor: Actor;
  interaction: AuditInteraction;
  outcome: AuditOutcome;
  outcomeDesc?: string;
  /** References of the resources touched, with version where known (`Patient/1/_history/2`). */
  entities: string[];
  /** Patients whose record was touched (entity role "patient"), so `AuditEvent?patient=` finds them. */
  patients: string[];
  /** The search or history query, as sent (kept base64, as BALP asks). */
  query?: string;
  /** Resource type the interaction was on, when no single resource (search, failures). */
  resourceType?: string;
}

const REST_TYPE = { system: 'http://terminology.hl7.org/CodeSystem/audit-event-type', code: 'rest', display: 'RESTful Operation' };
const LOGIN_TYPE = { system: 'http://dicom.nema.org/resources/ontology/DCM', code: '110114', display: 'User Authentication' };
const SUBTYPE_SYSTEM = 'http://hl7.org/fhir/restful-interaction';
/**
 * The code system of AuditEvent.agent.role (fhir-profiles/terminology/station/CodeSystem-staff-role.json),
 * under the project's canonical base (src/station/canonical.ts, which the engine does not import;
 * test/station/profiles.test.ts keeps the two equal). Records written before 2026-11-30 carry
 * `https://commune-ehr.vn/fhir/CodeSystem/staff-role`: an audit trail is not rewritten.
 */
export const ROLE_SYSTEM = 'http://commune-ehr.example/fhir/CodeSystem/staff-role';
const ENTITY_TYPE = 'http://terminology.hl7.org/CodeSystem/audit-entity-type';
const ENTITY_ROLE = 'http://terminology.hl7.org/CodeSystem/object-role';
/**
 * The entities' type and role codings, one object each for every record (frozen, so none is
 * changed through another): a page's twenty entities share them, and telling the kinds of entity a
 * record names apart (index/audit-rows.ts) compares them by identity first.
 */
const PERSON = Object.freeze({ system: ENTITY_TYPE, code: '1' });
const SYSTEM_OBJECT = Object.freeze({ system: ENTITY_TYPE, code: '2' });
const PATIENT_ROLE = Object.freeze({ system: ENTITY_ROLE, code: '1' });
const DOMAIN_RESOURCE_ROLE = Object.freeze({ system: ENTITY_ROLE, code: '4' });
const QUERY_ROLE = Object.freeze({ system: ENTITY_ROLE, code: '24' });
const PATIENT_REFERENCE = /^Patient\/([^/]+)(?:\/_history\/[^/]+)?$/;

export function buildAuditEvent(input: AuditInput, recorded: string): AuditEvent {
  const isLogin = input.interaction === 'login' || input.interaction === 'logout';
  const entity: AuditEventEntity[] = [];
  // A Patient that was itself read or written is named once, as the patient, with its version.
  const patients = new Map<string, string>(input.patients.map((id) => [id, `Patient/${id}`]));
  const others: string[] = [];
  for (const reference of input.entities) {
    const id = PATIENT_REFERENCE.exec(reference)?.[1];
    if (id !== undefined && patients.has(id)) patients.set(id, reference);
    else others.push(reference);
  }
  for (const reference of patients.values()) {
    entity.push({ what: { reference }, type: PERSON, role: PATIENT_ROLE });
  }
  for (const reference of others) {
    entity.push({ what: { reference }, type: SYSTEM_OBJECT, role: DOMAIN_RESOURCE_ROLE });
  }
  if (input.query !== undefined) entity.push(queryEntity(input.query, input.resourceType));
  const actor = input.actor;
  return {
    resourceType: 'AuditEvent',
    type: isLogin ? LOGIN_TYPE : REST_TYPE,
    subtype: [isLogin ? { system: 'http://dicom.nema.org/resources/ontology/DCM', code: input.interaction === 'login' ? '110122' : '110123' } : { system: SUBTYPE_SYSTEM, code: subtypeCode(input.interaction) }],
    action: ACTION[input.interaction],
    recorded,
    outcome: input.outcome,
    // The text of a refusal may quote what the request sent (a U+0000, half of a surrogate pair, or
    // a pair cut by slice()): jsonb would refuse the record, and with it the batch it is written in.
    outcomeDesc: input.outcomeDesc === undefined ? undefined : storableText(input.outcomeDesc),
    agent: [
      {
        type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ParticipationType', code: 'IRCP', display: 'information recipient' }] },
        who: actor.reference ? { reference: actor.reference } : { display: actor.id },
        altId: actor.id,
        name: actor.display,
        requestor: true,
        role: actor.roles.map((role) => ({ coding: [{ system: ROLE_SYSTEM, code: role }] })),
        network: actor.ip ? { address: actor.ip, type: isIp(actor.ip) ? '2' : '1' } : undefined,
      },
    ],
    source: { site: 'commune-ehr', observer: { display: 'commune-ehr' }, type: [{ system: 'http://terminology.hl7.org/CodeSystem/security-source-type', code: '4' }] },
    entity: entity.length ? entity : undefined,
  };
}

/**
 * Most bytes of a query a record keeps. A GET's query is under 16 KiB (Node's header limit), but a
 * POST `_search` body may run to the body limit (20 MB), and a read-only app could then leave 27 MB
 * of base64 in the trail with each search (a 5 MB `name=` value made a 6.7 MB AuditEvent). A
 * longer query keeps its first 16 KiB, cut between characters, and names the whole one by its
 * length in bytes and its SHA-256 (`entity.detail`), so an auditor can still tell which query it was.
 */
export const MAX_AUDITED_QUERY_BYTES = 16_384;

function queryEntity(query: string, resourceType: string | undefined): AuditEventEntity {
  const bytes = Buffer.from(query);
  const entity: AuditEventEntity = { type: SYSTEM_OBJECT, role: QUERY_ROLE, description: resourceType };
  if (bytes.length <= MAX_AUDITED_QUERY_BYTES) return { ...entity, query: bytes.toString('base64') };
  let end = MAX_AUDITED_QUERY_BYTES;
  // A UTF-8 continuation byte (10xxxxxx) would split a character: back up to where one starts.
  while ((bytes[end] & 0xc0) === 0x80) end--;
  const detail = [
    { type: 'query-bytes', valueString: String(bytes.length) },
    { type: 'query-sha256', valueString: createHash('sha256').update(bytes).digest('hex') },
  ];
  return { ...entity, query: bytes.subarray(0, end).toString('base64'), detail };
}

/** The restful-interaction code: our interactions carry it, but for a search (a type's: `search-type`). */
const subtypeCode = (interaction: AuditInteraction): string => (interaction === 'search' ? 'search-type' : interaction);

const isIp = (address: string): boolean => /^[\d.:a-f]+$/i.test(address);

/** `Type/id/_history/v` of a stored resource. */
export const versionedReference = (r: Resource): string => {
  const versionId = storedVersionId(r);
  return `${r.resourceType}/${r.id}${versionId ? `/_history/${versionId}` : ''}`;
};
