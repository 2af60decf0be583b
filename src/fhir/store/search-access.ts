import type { AccessPolicy, Action } from '../access';
import type { R4Definitions } from '../definitions';
import { forbidden, type OperationOutcomeError } from '../outcomes';
import { allFilters } from '../search/match';
import { parseSearch } from '../search/parse';
import type { AccessBounds, Filter, IncludeAccess } from '../search/request';

/**
 * The caller's limits on every type a search reaches besides the one it names: the targets of its
 * chains, the sources of its `_has`, and what it includes. Each is held to the rules of a direct
 * search of that type (docs/security.md), or a chain and `_has` would answer what a direct search
 * refuses (a registrar's `Patient?_has:Condition:subject:code=B20`) and an include would bring what
 * a direct search leaves out. The parser knows no caller, so the repository sets them here, on the
 * parsed request, before it is planned.
 */

export const ACTION_VI: Record<Action, string> = { c: 'tạo', r: 'đọc', u: 'sửa', d: 'xóa', s: 'tìm kiếm' };
export const ACTION_EN: Record<Action, string> = { c: 'create', r: 'read', u: 'update', d: 'delete', s: 'search' };

/** The 403 of an action the caller may not do on a type. */
export function notAllowed(type: string, action: Action): OperationOutcomeError {
  return forbidden(`Bạn không có quyền ${ACTION_VI[action]} ${type}`, `Not allowed to ${ACTION_EN[action]} ${type}`);
}

/** The 403 of content the caller's grant of `action` on `type` does not cover (its scope or role constraints). */
export function notCovered(type: string, action: Action): OperationOutcomeError {
  return forbidden(
    `Quyền được cấp không cho phép ${ACTION_VI[action]} ${type} với nội dung này`,
    `The grant to ${ACTION_EN[action]} ${type} does not cover this content (scope or role constraints)`,
  );
}

/**
 * The patient whose compartment bounds access to `type`: types outside the Patient compartment
 * (the scheduling directory a resident's app may read: Slot, Schedule, Practitioner…) are not
 * bounded by it; whether they may be read at all is the access policy's decision.
 */
export function compartmentOf(access: AccessPolicy, defs: R4Definitions, type: string): string | undefined {
  const own = access.patientCompartment;
  return own !== undefined && (type === 'Patient' || defs.patientCompartment.has(type)) ? own : undefined;
}

/** What a constraint no search can apply leaves in the search: nothing (every resource has an id). */
const NOTHING: Filter = { kind: 'id', modifier: 'missing', values: ['true'] };

/**
 * The caller's scope constraints on `type` as filters. A constraint that is not one (a misspelt
 * parameter, `_count`) was dropped from the search, which then answered what the grant was meant
 * to limit, while a read refused it: the grant covers nothing instead, in searches as in reads.
 */
export function constraintFilters(access: AccessPolicy, defs: R4Definitions, type: string, action: Action): Filter[] {
  const pairs = access.constraints(type, action);
  if (!pairs.length) return [];
  const req = parseSearch(type, pairs, defs);
  return allFilters(pairs, req) ? req.filters : [NOTHING];
}

/**
 * Gives each chain target and `_has` source in `filters` (nested ones too) the limits of a search
 * of its type; 403 when the caller may not search that type, as a direct search would answer. A
 * chain whose type the client did not name (`Provenance?target.patient.name`) is read only through
 * the possible types the caller may search — the server chose the others, the client asked for
 * none of them — and is refused only when it may search none.
 */
export function boundInnerSearches(filters: readonly Filter[], access: AccessPolicy, defs: R4Definitions): void {
  const bounds = (type: string): AccessBounds | undefined => {
    if (!access.allows(type, 's')) throw notAllowed(type, 's');
    const found = { patient: compartmentOf(access, defs, type), filters: constraintFilters(access, defs, type, 's') };
    return found.patient !== undefined || found.filters.length ? found : undefined;
  };
  for (const f of filters) {
    if (f.kind === 'chain') {
      const searchable = f.typed ? f.targets : f.targets.filter((t) => access.allows(t.type, 's'));
      if (searchable.length) f.targets = searchable;
      for (const target of f.targets) {
        target.bounds = bounds(target.type);
        boundInnerSearches([target.filter], access, defs);
      }
    } else if (f.kind === 'has') {
      f.bounds = bounds(f.sourceType);
      boundInnerSearches([f.filter], access, defs);
    }
  }
}

/** What included resources may be for the caller: read access, its compartment, its constraints on reads. */
export function includeAccess(access: AccessPolicy, defs: R4Definitions): IncludeAccess {
  const all = [...defs.resourceTypes];
  const readable = all.filter((t) => access.allows(t, 'r'));
  const constraints: Record<string, Filter[]> = {};
  for (const type of readable) {
    const filters = constraintFilters(access, defs, type, 'r');
    if (filters.length) constraints[type] = filters;
  }
  return {
    readable: readable.length < all.length ? readable : undefined,
    patient: access.patientCompartment,
    compartmentTypes: ['Patient', ...defs.patientCompartment.keys()],
    constraints,
  };
}
