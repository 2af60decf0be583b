import type { Practitioner } from '@medplum/fhirtypes';
import { fhir, refOf } from '../api/fhir';

export interface Examiner {
  reference: string;
  display: string;
}

let cached: Promise<Examiner[]> | undefined;

const nameOf = (p: Practitioner): string => p.name?.[0]?.text ?? [p.name?.[0]?.family, ...(p.name?.[0]?.given ?? [])].filter(Boolean).join(' ');

/** The station's staff who may examine (active Practitioners), by name. */
export function loadExaminers(): Promise<Examiner[]> {
  cached ??= fhir.searchAll<Practitioner>('Practitioner', [['active', 'true'], ['_count', '200']]).then(
    (r) => r.matches.map((p) => ({ reference: refOf(p), display: nameOf(p) })).sort((a, b) => a.display.localeCompare(b.display, 'vi')),
    (err) => {
      cached = undefined;
      throw err;
    },
  );
  return cached;
}
