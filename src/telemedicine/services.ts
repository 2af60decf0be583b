import fs from 'node:fs';
import path from 'node:path';
import type { CodeSystem, Coding } from '@medplum/fhirtypes';
import { CS } from '../station/canonical';
import { PROFILE_SOURCES_DIR } from '../station/profiles/pack';
import { loadStationTerminology } from '../station/rules/terminology';
import { TM_CS } from './canonical';

/**
 * The remote-consultation services (fhir-profiles/telemedicine/CodeSystem-telemedicine-service.json)
 * and the register specialty each counts under, read once from the file the server also serves.
 */
let specialties: Map<string, string> | undefined;

function specialtyByService(): Map<string, string> {
  if (!specialties) {
    const file = path.join(PROFILE_SOURCES_DIR, 'telemedicine', 'CodeSystem-telemedicine-service.json');
    const system = JSON.parse(fs.readFileSync(file, 'utf8')) as CodeSystem;
    specialties = new Map((system.concept ?? []).map((c) => [c.code, c.property?.find((p) => p.code === 'exam-specialty')?.valueCode ?? 'noi']));
  }
  return specialties;
}

/** The exam specialty (register A1) of the first telemedicine service among `codings`; general medicine otherwise. */
export function specialtyOf(codings: readonly Coding[] | undefined): Coding {
  const service = codings?.find((c) => c.system === TM_CS.service && c.code);
  const code = (service && specialtyByService().get(service.code!)) ?? 'noi';
  return { system: CS.examSpecialty, code, display: loadStationTerminology().display(CS.examSpecialty, code) };
}
