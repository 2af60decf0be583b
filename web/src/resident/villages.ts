import type { Address, Location } from '@medplum/fhirtypes';
import { SID } from '../../../src/station/canonical';
import { fhir } from '../api/fhir';

/** A village of the commune, as the server's configuration made it (a Location per village). */
export interface VillageInfo {
  code: string;
  name: string;
  /** The village's address with the province, commune and former-unit codes, for residents' addresses. */
  address: Address;
}

let cached: Promise<VillageInfo[]> | undefined;

/** The commune's villages (read once per page load: they change only with the station's configuration). */
export function loadVillages(): Promise<VillageInfo[]> {
  cached ??= fhir
    .searchAll<Location>('Location', [['identifier', `${SID.village}|`], ['_count', '200']])
    .then((r) =>
      r.matches
        .map((l) => ({ code: l.identifier?.find((i) => i.system === SID.village)?.value ?? '', name: l.name ?? '', address: l.address ?? {} }))
        .filter((v) => v.code)
        .sort((a, b) => a.code.localeCompare(b.code)),
    )
    .catch((err) => {
      cached = undefined;
      throw err;
    });
  return cached;
}
