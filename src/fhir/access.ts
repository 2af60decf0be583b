/**
 * What the engine needs to know about who is asking, independent of how they signed in
 * (src/auth/ builds it from tokens and roles). The repository consults it on every read and write,
 * REST or Bundle entry, and puts the compartment restriction into the SQL itself.
 */

/** SMART's interaction letters: create, read, update, delete, search. */
export type Action = 'c' | 'r' | 'u' | 'd' | 's';

export interface Actor {
  /** `Practitioner/…`, `Patient/…`, or `Device/…` for a system client (for the AuditEvent). */
  reference?: string;
  /** Account id or client id. */
  id: string;
  display?: string;
  /** Roles (staff) or the client kind, shown in AuditEvent.agent.role. */
  roles: string[];
  clientId?: string;
  /** Where the request came from. */
  ip?: string;
}

export interface AccessPolicy {
  actor: Actor;
  /** May this actor do `action` on resources of `type` at all? */
  allows(type: string, action: Action): boolean;
  /** Patient whose compartment bounds every access (patient-context tokens), if any. */
  patientCompartment?: string;
  /** Extra search criteria every accessible resource of `type` must meet (SMART v2 `?category=…`). */
  constraints(type: string, action: Action): [string, string][];
}

/** No restriction: the server's own work (boot, migrations of data, the seed). */
export const SYSTEM_ACCESS: AccessPolicy = {
  actor: { id: 'commune-ehr', roles: ['system'], reference: 'Device/commune-ehr' },
  allows: () => true,
  constraints: () => [],
};

/** A policy that may do nothing: it only names who is acting, for audit records of refusals and sign-ins. */
export function actorOnly(actor: Actor): AccessPolicy {
  return { actor, allows: () => false, constraints: () => [] };
}
