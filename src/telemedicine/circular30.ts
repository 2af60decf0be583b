import type { Coding } from '@medplum/fhirtypes';
import { SYSTEMS } from '../station/canonical';
import { loadStationTerminology, onTelemedicineList } from '../station/rules/terminology';
import type { TelemedicineSettings } from './settings';

/**
 * Circular 30/2023/TT-BYT lists the diseases that may be examined remotely, by ICD-10 code. The
 * list the station holds is the `tt30-2023` property of the ICD-10 subset in fhir-profiles/ plus
 * the codes the station adds in its configuration (domain README §5).
 */
export function offListCodes(codings: readonly Coding[], settings: TelemedicineSettings): Coding[] {
  const t = loadStationTerminology();
  return codings.filter((c) => c.system === SYSTEMS.icd10 && !!c.code && !onTelemedicineList(t, c.code, settings.extraListCodes));
}
