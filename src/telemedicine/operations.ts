import fs from 'node:fs';
import path from 'node:path';
import type { OperationDefinition } from '@medplum/fhirtypes';
import type { FhirRequest, Interaction } from '../fhir/request';
import { BASE } from '../station/canonical';
import { PROFILE_SOURCES_DIR } from '../station/profiles/pack';
import { accept, book, cancel, reschedule } from './booking';
import { caseConference } from './conference';
import { join, start } from './consultation';
import { finish } from './finish';
import { OperationInput } from '../fhir/operations/input';
import { refer } from './referral';
import { generateSlots } from './slots';

/**
 * The telemedicine operations, as rows for the router's table (src/fhir/router.ts) and entries
 * of the CapabilityStatement. Their OperationDefinitions are in fhir-profiles/telemedicine/.
 */
const ROUTES: [FhirRequest['method'], string, Interaction][] = [
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

export const TELEMEDICINE_OPERATIONS = ROUTES.map(([, pattern]) => {
  const [type, , op] = pattern.includes('/:id/') ? pattern.split('/') : [pattern.split('/')[0], '', pattern.split('/')[1]];
  const name = op.slice(1);
  return { type, name, definition: `${BASE}/OperationDefinition/${type.toLowerCase()}-${name}` };
});

/** The input parameter names of each operation, from its definition in fhir-profiles/telemedicine/ (the one the server publishes). */
function definedInputs(definition: string): ReadonlySet<string> {
  const file = path.join(PROFILE_SOURCES_DIR, 'telemedicine', `OperationDefinition-${definition.split('/').pop()}.json`);
  const { parameter } = JSON.parse(fs.readFileSync(file, 'utf8')) as OperationDefinition;
  return new Set((parameter ?? []).filter((p) => p.use === 'in').map((p) => p.name));
}

/** Each route refuses, before its handler runs, a parameter its definition does not name. */
export const TELEMEDICINE_ROUTES: [FhirRequest['method'], string, Interaction][] = ROUTES.map(([method, pattern, handler], i) => {
  const known = definedInputs(TELEMEDICINE_OPERATIONS[i].definition);
  const checked: Interaction = async (req, params, ctx) => {
    new OperationInput(req).only(known);
    return handler(req, params, ctx);
  };
  return [method, pattern, checked];
});
