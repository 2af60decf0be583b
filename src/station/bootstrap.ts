import type { CodeSystem, Location, Organization, Resource } from '@medplum/fhirtypes';
import type { FhirEngine } from '../fhir/engine';
import type { Repository } from '../fhir/store/repository';
import { CS, EXT, PROFILE, SID } from './canonical';
import type { StationConfig, Village } from './config';
import { stationAddress } from './model/person';

/**
 * Boot-time writes of the station (idempotent, through the repository like every write):
 *  - the conformance pack the engine loaded (profiles, extensions, search parameters, code systems,
 *    value sets, concept maps), so clients read them through the API (`StructureDefinition?type=Patient`);
 *    each is a conditional update on url + version, so an unchanged pack writes nothing;
 *  - the commune as data: the station's Organization, a Location for the commune and each village,
 *    and the village CodeSystem built from the configuration.
 */

/** References to the station's own resources, for the seed and the registers. */
export interface StationRefs {
  organization: string;
  commune: string;
  /** Village code → `Location/<id>`. */
  villages: Map<string, string>;
}

/** Runs both steps; call once at boot after createFhirEngine. */
export async function bootstrapStation(engine: FhirEngine, config: StationConfig): Promise<StationRefs> {
  await storeConformance(engine.repo, engine.pack.resources);
  return storeCommune(engine.repo, config);
}

/**
 * Stores every conformance resource of the pack (conditional update on url + version: an unchanged
 * resource makes no new version). Returns how many resources it went through.
 */
export async function storeConformance(repo: Repository, resources: readonly Resource[]): Promise<number> {
  let count = 0;
  for (const resource of resources) {
    const { url, version } = resource as Resource & { url?: string; version?: string };
    if (!url) continue;
    await repo.conditionalUpdate(resource.resourceType, new URLSearchParams(version ? { url, version } : { url }).toString(), resource);
    count++;
  }
  return count;
}

/** The station, the commune and its villages, and the village code system. */
export async function storeCommune(repo: Repository, config: StationConfig): Promise<StationRefs> {
  const organization = await upsert(repo, 'Organization', `identifier=${SID.facilityCode}|${config.station.facilityCode}`, stationOrganization(config));
  const commune = await upsert(repo, 'Location', `identifier=${CS.adminUnit2025}|${config.commune.code}`, communeLocation(config, organization));
  const villages = new Map<string, string>();
  for (const village of config.villages) {
    villages.set(village.code, await upsert(repo, 'Location', `identifier=${SID.village}|${village.code}`, villageLocation(config, village, commune, organization)));
  }
  await upsert(repo, 'CodeSystem', `url=${encodeURIComponent(CS.village)}`, villageCodeSystem(config));
  return { organization, commune, villages };
}

async function upsert(repo: Repository, type: string, criteria: string, resource: Resource): Promise<string> {
  const { resource: stored } = await repo.conditionalUpdate(type, criteria, resource);
  return `${type}/${stored.id}`;
}

function stationOrganization(config: StationConfig): Organization {
  return {
    resourceType: 'Organization',
    meta: { profile: [PROFILE.station] },
    identifier: [{ system: SID.facilityCode, value: config.station.facilityCode }],
    active: true,
    type: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/organization-type', code: 'prov', display: 'Healthcare Provider' }] }],
    name: config.station.name,
  };
}

function communeLocation(config: StationConfig, organization: string): Location {
  return {
    resourceType: 'Location',
    meta: { profile: [PROFILE.location] },
    identifier: [{ system: CS.adminUnit2025, value: config.commune.code }],
    status: 'active',
    name: `Xã ${config.commune.name}`,
    alias: config.formerCommunes.map((c) => `Xã ${c.name} (cũ, mã ${c.code})`),
    mode: 'instance',
    physicalType: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/location-physical-type', code: 'jdn', display: 'Jurisdiction' }] },
    managingOrganization: { reference: organization },
  };
}

function villageLocation(config: StationConfig, village: Village, commune: string, organization: string): Location {
  const { extension, text } = stationAddress(config, { village, type: 'thuong-tru' });
  return {
    resourceType: 'Location',
    meta: { profile: [PROFILE.location] },
    identifier: [{ system: SID.village, value: village.code }],
    status: 'active',
    name: village.name,
    description: village.synthetic ? 'Tên thôn giả lập (kế hoạch của xã chỉ nêu 4 thôn) / synthetic village name' : undefined,
    mode: 'instance',
    physicalType: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/location-physical-type', code: 'jdn', display: 'Jurisdiction' }] },
    // The address carries the administrative codes; residence type is about people, not places.
    address: { text, extension: extension!.filter((e) => e.url !== EXT.residenceType) },
    partOf: { reference: commune },
    managingOrganization: { reference: organization },
  };
}

function villageCodeSystem(config: StationConfig): CodeSystem {
  return {
    resourceType: 'CodeSystem',
    url: CS.village,
    version: config.commune.code,
    name: 'Village',
    title: `Thôn của xã ${config.commune.name} / Villages of ${config.commune.name}`,
    status: 'active',
    description: 'Danh sách thôn theo cấu hình của trạm; mã = mã xã cũ + số thứ tự. / The configured villages.',
    caseSensitive: true,
    content: 'complete',
    property: [{ code: 'former-commune', type: 'code', description: 'Mã xã trước 1/7/2025 / Former commune code' }],
    concept: config.villages.map((v) => ({ code: v.code, display: v.name, property: [{ code: 'former-commune', valueCode: v.formerCommune }] })),
  };
}
