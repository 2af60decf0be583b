import type { BundleEntry, Immunization } from '@medplum/fhirtypes';
import { immunizationResource } from '../../../src/station/model/clinical';
import { nowDateTime, today as todayIn } from '../format';
import { builderTerminology } from '../terminology';
import { conditionalCreate, newClientId } from '../visit/identifiers';


export interface DosePreview {
  vaccine: string;
  dose: number;
  date: string;
}

/**
 * One dose as a one-entry transaction with a client-made identifier, so a retry after a dropped
 * connection never records it twice. Today's dose carries the time; an earlier one its date only.
 */
export function doseEntries(patientRef: string, vaccine: string, dose: number, date: string, performer?: { reference: string; display: string }, lot?: string): { key: string; entries: BundleEntry[]; preview: DosePreview } {
  const when = date === todayIn() ? nowDateTime() : date;
  const immunization: Immunization = { ...immunizationResource(patientRef, vaccine, dose, when, builderTerminology), lotNumber: lot?.trim() || undefined };
  if (performer?.reference) immunization.performer = [{ actor: performer }];
  const key = newClientId();
  return { key, entries: [conditionalCreate(immunization, key)], preview: { vaccine, dose, date } };
}
