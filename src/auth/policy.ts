import type { AccessPolicy, Action } from '../fhir/access';
import { isRole, roleAllows, roleConstraints } from './roles';
import { grantingRules, parseScopes, type ScopeRule } from './scopes';
import type { AccessClaims } from './tokens';

/**
 * What a resident's app may read outside its own compartment: the station's schedule and who
 * works there, to book a remote consultation (no person's record is among these types). It never
 * writes them, not even a Schedule whose actor is the resident (Schedule is in the Patient
 * compartment by its actor): every resident reads the directory, so one would publish the
 * resident's name in it, beside the station's own schedules.
 */
const SCHEDULING_DIRECTORY = new Set(['Schedule', 'Slot', 'Practitioner', 'PractitionerRole', 'HealthcareService', 'Organization', 'Location']);

/**
 * The access policy of a verified token: what its scopes grant, narrowed by the account's roles
 * (staff) or by the resident's own compartment (patient context). Both must agree.
 */
export function policyFor(claims: AccessClaims, compartmentTypes: ReadonlySet<string>, ip?: string): AccessPolicy {
  const context = claims.kind === 'system' ? 'system' : claims.kind === 'resident' ? 'patient' : 'user';
  const rules = parseScopes(claims.scope).filter((r) => r.context === context);
  const roles = (claims.roles ?? []).filter(isRole);
  const scopeAllows = (type: string, action: Action): ScopeRule[] => grantingRules(rules, type, action);
  const allows = (type: string, action: Action): boolean => {
    if (scopeAllows(type, action).length === 0) return false;
    if (claims.kind === 'staff') return roles.some((role) => roleAllows(role, type, action));
    if (claims.kind === 'resident') {
      if (SCHEDULING_DIRECTORY.has(type)) return action === 'r' || action === 's';
      return type === 'Patient' || compartmentTypes.has(type);
    }
    return true;
  };
  /** The least limited of the roles that allow the access: none if one role allows it unlimited. */
  const staffRoleConstraints = (type: string, action: Action): [string, string][] => {
    if (claims.kind !== 'staff') return [];
    const limits = roles.filter((role) => roleAllows(role, type, action)).map((role) => roleConstraints(role, type));
    return limits.some((l) => l.length === 0) ? [] : (limits[0] ?? []);
  };
  return {
    actor: {
      id: claims.sub,
      reference: claims.fhirUser ?? (claims.kind === 'system' ? `Device/${claims.client_id}` : undefined),
      roles: claims.kind === 'staff' ? roles : [claims.kind],
      clientId: claims.client_id,
      ip,
    },
    allows,
    patientCompartment: claims.kind === 'resident' ? claims.patient : undefined,
    // A v2 scope with `?param=value` limits what it grants; a rule without one grants everything.
    // A role may limit it too (an officer's MeasureReports): both limits apply.
    constraints: (type, action) => {
      const granting = scopeAllows(type, action);
      const scope = granting.some((r) => r.query.length === 0) ? [] : (granting[0]?.query ?? []);
      return [...scope, ...staffRoleConstraints(type, action)];
    },
  };
}
