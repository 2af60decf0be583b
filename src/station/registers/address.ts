import type { Patient } from '@medplum/fhirtypes';
import { EXT } from '../canonical';
import { villageText, type StationConfig } from '../config';
import { codingOf } from '../rules/issues';

/**
 * The address the resident lived at on that date: village and commune (the village alone with
 * `villageOnly`, for a book of the commune's own), or the address text elsewhere.
 */
export function addressOn(config: StationConfig, patient: Patient | undefined, date: string, villageOnly = false): string {
  const addresses = patient?.address ?? [];
  const current = addresses.find((a) => (a.period?.start ?? '') <= date && date <= (a.period?.end ?? '9999')) ?? addresses[0];
  if (!current) return '';
  const village = codingOf(current, EXT.village);
  if (village && codingOf(current, EXT.commune)?.code === config.commune.code) {
    const name = config.villages.find((v) => v.code === village.code)?.name ?? village.display ?? village.code ?? '';
    return villageOnly ? villageText(name) : `${villageText(name)}, xã ${config.commune.name}`;
  }
  return current.text ?? [...(current.line ?? []), current.city, current.state].filter(Boolean).join(', ');
}
