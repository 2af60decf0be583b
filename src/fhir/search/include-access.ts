import { inPatientCompartment, mayMeetAccessLog } from '../index/compartment';
import { filterCondition } from './conditions';
import type { IncludeAccess } from './request';
import type { PlanContext, SqlParams } from './sql';

/**
 * The caller's limits on included resources, as conditions on the resource table's alias `r`:
 * what _include and _revinclude (and their :iterate rounds) add is held to the rules of a direct
 * search of its type, whatever type the search started from. A resident's search of the
 * scheduling directory has no compartment of its own, yet `Organization?_revinclude=Patient:organization`
 * must not bring every resident of the station.
 */
export function includeAccessConditions(access: IncludeAccess, station: string, ctx: PlanContext, p: SqlParams): string[] {
  const conditions: string[] = [];
  if (access.readable) conditions.push(`r.resource_type = ANY(${p.add(access.readable)}::text[])`);
  if (access.patient !== undefined) {
    // The access log's membership is kept elsewhere (index/compartment.ts): asked only when the
    // caller may read it (a resident app granted patient/AuditEvent.rs).
    const member = inPatientCompartment({ station, type: 'r.resource_type', id: 'r.id', patient: p.add(access.patient) }, mayMeetAccessLog(access.readable ?? []));
    conditions.push(`(r.resource_type <> ALL(${p.add(access.compartmentTypes)}::text[]) OR ${member})`);
  }
  for (const [type, filters] of Object.entries(access.constraints)) {
    const scope = { alias: 'r', station, type: p.add(type), typeNames: [type], depth: 0 };
    const met = filters.map((f) => filterCondition(scope, f, ctx, p)).join(' AND ');
    conditions.push(`(r.resource_type <> ${scope.type} OR (${met}))`);
  }
  return conditions;
}
