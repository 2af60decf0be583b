import { CARER_ROLES } from '../../../src/station/model/carers';
import { idFrom } from '../api/fhir';
import { request } from '../api/http';

/** A dependant as the server lists them for staff (GET /auth/residents/{carer}/dependants). */
export interface Dependant {
  dependant: string;
  relatedPerson: string;
  relationship?: string;
  name?: string;
  birthDate?: string;
}

/** The relationships staff may choose, in Vietnamese, with the v3 RoleCode the server stores. */
export const CARER_ROLE_OPTIONS = Object.entries(CARER_ROLES).map(([code, role]) => ({ code, display: role.vi }));

/** The relationship's Vietnamese word (mẹ, bố…); undefined for a code that is not a carer's. */
export const roleWord = (code: string | undefined): string | undefined => (code ? CARER_ROLES[code]?.vi : undefined);

const dependantsUrl = (carerId: string): string => `/auth/residents/${encodeURIComponent(carerId)}/dependants`;

export async function dependantsOf(carerId: string, signal?: AbortSignal): Promise<Dependant[]> {
  return (await request<{ dependants: Dependant[] }>(dependantsUrl(carerId), { signal })).dependants;
}

/** Links the carer (who has the station's app) to a dependant: their app may then open the dependant's record. */
export async function linkDependant(carerId: string, dependantId: string, relationship: string): Promise<void> {
  await request(dependantsUrl(carerId), { method: 'POST', body: { dependant: `Patient/${dependantId}`, relationship }, headers: { 'content-type': 'application/json' } });
}

/** Ends the link: the carer's app loses the dependant's record at once. */
export async function unlinkDependant(carerId: string, dependant: string): Promise<void> {
  await request(`${dependantsUrl(carerId)}/${encodeURIComponent(idFrom(dependant, 'Patient') ?? '')}`, { method: 'DELETE' });
}
