import type { Organization } from '@medplum/fhirtypes';
import { EXT, SID } from '../../../src/station/canonical';
import type { StationConfig } from '../../../src/station/config';
import { fhir, refOf } from '../api/fhir';
import type { VillageInfo } from './villages';

/** What the resident builders need to know of the commune: its units and villages. */
export type Commune = Pick<StationConfig, 'province' | 'commune' | 'formerCommunes' | 'villages'>;

/**
 * The commune as the server's village Locations describe it: each village's address carries the
 * province, commune and former-unit codes, so the page builds addresses exactly as the server's
 * configuration does without a copy of that configuration.
 */
export function communeFromVillages(villages: VillageInfo[]): Commune {
  const coding = (v: VillageInfo, url: string) => v.address.extension?.find((e) => e.url === url)?.valueCoding ?? {};
  const first = villages[0];
  const formerCommunes = new Map<string, Commune['formerCommunes'][number]>();
  for (const v of villages) {
    const former = coding(v, EXT.formerCommune);
    const district = coding(v, EXT.formerDistrict);
    if (former.code) formerCommunes.set(former.code, { code: former.code, name: former.display ?? '', district: { code: district.code ?? '', name: district.display ?? '' } });
  }
  return {
    province: { code: coding(first, EXT.province).code ?? '', name: coding(first, EXT.province).display ?? '' },
    commune: { code: coding(first, EXT.commune).code ?? '', name: coding(first, EXT.commune).display ?? '' },
    formerCommunes: [...formerCommunes.values()],
    villages: villages.map((v) => ({ code: v.code, name: v.name, formerCommune: coding(v, EXT.formerCommune).code ?? '' })),
  };
}

export interface StationInfo {
  reference: string;
  name: string;
  facilityCode: string;
}

let cached: Promise<StationInfo | undefined> | undefined;

/** The station's own Organization (known by its facility code), the default primary-care facility on a card. */
export function loadStation(): Promise<StationInfo | undefined> {
  cached ??= fhir.search<Organization>('Organization', [['identifier', `${SID.facilityCode}|`], ['_count', '1']]).then(
    ({ matches: [org] }) => org && { reference: refOf(org), name: org.name ?? '', facilityCode: org.identifier?.find((i) => i.system === SID.facilityCode)?.value ?? '' },
    (err) => {
      cached = undefined;
      throw err;
    },
  );
  return cached;
}
