import type { FhirRequest, Interaction } from '../fhir/request';
import { BASE } from '../station/canonical';
import { accept, book, cancel, reschedule } from './booking';
import { caseConference } from './conference';
import { join, start } from './consultation';
import { finish } from './finish';
import { refer } from './referral';
import { generateSlots } from './slots';

/**
 * The telemedicine operations, as rows for the router's table (src/fhir/router.ts) and entries
 * of the CapabilityStatement. Their OperationDefinitions are in fhir-profiles/telemedicine/.
 */
export const TELEMEDICINE_ROUTES: [FhirRequest['method'], string, Interaction][] = [
  ['POST', 'Schedule/:id/$generate-slots', generateSlots],
  ['POST', 'Appointment/$book', book],
  ['POST', 'Appointment/:id/$accept', accept],
  ['POST', 'Appointment/:id/$cancel', cancel],
  ['POST', 'Appointment/:id/$reschedule', reschedule],
  ['POST', 'Appointment/:id/$join', join],
  ['POST', 'Appointment/:id/$start', start],
  ['POST', 'Encounter/:id/$finish', finish],
  ['POST', 'Encounter/:id/$refer', refer],
  ['POST', 'Encounter/:id/$case-conference', caseConference],
];

export const TELEMEDICINE_OPERATIONS = TELEMEDICINE_ROUTES.map(([, pattern]) => {
  const [type, , op] = pattern.includes('/:id/') ? pattern.split('/') : [pattern.split('/')[0], '', pattern.split('/')[1]];
  const name = op.slice(1);
  return { type, name, definition: `${BASE}/OperationDefinition/${type.toLowerCase()}-${name}` };
});
