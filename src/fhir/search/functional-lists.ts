import { badRequest, echoed } from '../outcomes';

/**
 * R4's functional lists (lists.html#current): `AllergyIntolerance?patient=42&_list=$current-allergies`.
 * The server keeps no such List resources; each list is the search that makes it, on the types it
 * lists. "Current" is what a clinician reads as current: active (or recurring) and not refuted or
 * entered in error — `:not` also keeps the records with no verification status, which the
 * station's own visit diagnoses do not set. The patient comes from the rest of the search
 * (`patient=…`, a compartment, or the actor's own record), so the lists work for one resident or,
 * for staff, across the station.
 */
const NOT_RETRACTED: [string, string] = ['verification-status:not', 'refuted,entered-in-error'];

const LISTS: Record<string, Record<string, [string, string][]>> = {
  '$current-problems': { Condition: [['clinical-status', 'active,recurrence,relapse'], NOT_RETRACTED] },
  '$current-allergies': { AllergyIntolerance: [['clinical-status', 'active'], NOT_RETRACTED] },
  '$current-drug-allergies': { AllergyIntolerance: [['clinical-status', 'active'], NOT_RETRACTED, ['category', 'medication']] },
  '$current-medications': {
    MedicationStatement: [['status', 'active,intended,on-hold']],
    MedicationRequest: [['status', 'active,on-hold'], ['intent:not', 'proposal,plan']],
  },
};

export const SERVED_LISTS = Object.keys(LISTS);

/** Whether a `_list` value names a functional list (`$…`) rather than List resources. */
export const isFunctionalList = (value: string): boolean => value.split(',').some((v) => v.startsWith('$'));

/**
 * The search parameters that stand for `_list=$name` on `types`; undefined for a functional list
 * not served here (the caller reports it as ignored).
 */
export function functionalListCriteria(types: readonly string[], value: string): [string, string][] | undefined {
  if (value.includes(',')) throw mixedLists(value);
  const list = LISTS[value];
  if (!list) return undefined;
  const criteria = types.length === 1 ? list[types[0]] : undefined;
  if (!criteria) {
    const served = Object.keys(list).join(', ');
    throw badRequest(`Danh sách ${echoed(value)} chỉ dùng cho ${served}`, `The functional list ${echoed(value)} lists ${served} (searched: ${types.join(', ') || 'every type'})`);
  }
  return criteria;
}

function mixedLists(value: string): Error {
  return badRequest(`_list chỉ nhận một danh sách chức năng (${echoed(value)})`, `_list takes one functional list on its own (got ${echoed(value)})`);
}
