import fs from 'node:fs';
import path from 'node:path';
import type { CodeSystem, Resource, StructureDefinition } from '@medplum/fhirtypes';
import { ROLES } from '../../src/auth/roles';
import { ROLE_SYSTEM } from '../../src/fhir/audit';
import { BASE, cs } from '../../src/station/canonical';
import { curateAll } from '../../src/station/profiles/curate';
import { PROFILE_SOURCES_DIR, readPackSources } from '../../src/station/profiles/pack';
import { errorsOf, stationValidator, type StationValidator } from './helpers';
import { checkShape } from '../../src/fhir/validate/shape';
import { HA_SON } from '../../src/station/config';
import { visitResources } from '../../src/station/model/clinical';
import { carerResource, residentResource } from '../../src/station/model/person';
import { examples, terminology } from './examples';
import { describeWithShared, REFERENCE_DIR } from './shared';

describe('station conformance pack', () => {
  let validator: StationValidator;
  beforeAll(() => {
    validator = stationValidator();
  });

  test('every StructureDefinition gets a snapshot the engine loads as a profile', () => {
    const sources = readPackSources(PROFILE_SOURCES_DIR).filter((f) => f.resource.resourceType === 'StructureDefinition');
    expect(sources.length).toBeGreaterThanOrEqual(25);
    expect(validator.pack.structureDefinitions.map((sd) => sd.url).sort()).toEqual(sources.map((f) => (f.resource as StructureDefinition).url).sort());
  });

  test('snapshots keep unique element ids, contain every differential element, and put slices after what they slice', () => {
    for (const sd of validator.pack.structureDefinitions) {
      const ids = sd.snapshot!.element.map((e) => e.id!);
      expect({ url: sd.url, duplicates: ids.filter((id, i) => ids.indexOf(id) !== i) }).toEqual({ url: sd.url, duplicates: [] });
      for (const diff of sd.differential!.element) expect(ids).toContain(diff.id);
      sd.snapshot!.element.forEach((e, i) => {
        if (!e.sliceName) return;
        const sliced = e.id!.slice(0, e.id!.lastIndexOf(':'));
        expect(ids.indexOf(sliced)).toBeGreaterThanOrEqual(0);
        expect(ids.indexOf(sliced)).toBeLessThan(i);
      });
    }
  });

  test('extension slices carry the extension url as their fixed value', () => {
    const resident = validator.pack.get(`${BASE}/StructureDefinition/station-resident`)!;
    const url = resident.snapshot!.element.find((e) => e.id === 'Patient.address.extension:village.url');
    expect(url?.fixedUri).toBe(`${BASE}/StructureDefinition/address-village`);
  });

  test('our own canonical URLs all use the base in src/station/canonical.ts', () => {
    const ours = readPackSources(PROFILE_SOURCES_DIR)
      .map((f) => (f.resource as Resource & { url?: string }).url!)
      .filter((url) => !url.startsWith('http://fhir.ehealth.gov.vn/') && url !== 'http://hl7.org/fhir/sid/icd-10');
    expect(ours.length).toBeGreaterThan(40);
    for (const url of ours) expect(url.startsWith(`${BASE}/`)).toBe(true);
  });

  test("the AuditEvent's agent role system is in the pack, under the base, with every role the server writes", () => {
    expect(ROLE_SYSTEM).toBe(cs('staff-role'));
    const roles = validator.pack.resources.find((r) => (r as { url?: string }).url === ROLE_SYSTEM) as CodeSystem | undefined;
    const codes = (roles?.concept ?? []).map((c) => c.code);
    // Staff roles, and the kinds of client (src/auth/policy.ts: a system client, a resident's app).
    for (const role of [...ROLES, 'system', 'resident']) expect(codes).toContain(role);
  });

  test('every resource of the pack is valid FHIR R4 (the server stores them at boot)', () => {
    for (const resource of validator.pack.resources) {
      expect({ url: (resource as { url?: string }).url, errors: errorsOf(validator.issues(resource)) }).toEqual({ url: (resource as { url?: string }).url, errors: [] });
    }
  });

  test.each(Object.keys(examples))('the valid example %s passes the FHIR validator, its profile and the station rules', (name) => {
    const resource = examples[name];
    expect(resource.meta?.profile?.length).toBe(1);
    expect(errorsOf(validator.issues(resource))).toEqual([]);
  });

  test('the builders leave out what they have no value for (R4 JSON has no empty arrays): a one-word name, no identifier, a visit without diagnosis, treatment or note', () => {
    const village = { village: HA_SON.villages[0], type: 'thuong-tru' as const };
    const built = [
      residentResource(HA_SON, { name: 'Khang', sex: 'male', birthDate: '2020-01-01', ethnicCode: '01', residences: [village] }),
      carerResource('Patient/p', 'Lan', 'female', { code: 'MTH', display: 'mother' }),
      visitResources({ patientRef: 'Patient/p', examiner: { display: 'Y sĩ Thu' }, start: '2025-01-01T08:00:00+07:00', class: 'AMB', specialty: 'noi', symptoms: 'Ho', diagnoses: [], status: 'in-progress' }, terminology, []).encounter,
    ];
    for (const resource of built) expect({ type: resource.resourceType, issues: checkShape(resource).issues }).toEqual({ type: resource.resourceType, issues: [] });
  });
});

describeWithShared('curated terminology', () => {
  test('the committed VN Core and administrative-unit files equal what curation produces from ../shared', () => {
    for (const { file, resource } of curateAll(REFERENCE_DIR, ['38'])) {
      const committed = JSON.parse(fs.readFileSync(path.join(PROFILE_SOURCES_DIR, 'terminology', file), 'utf8'));
      expect({ file, committed }).toEqual({ file, committed: resource });
    }
  });

  test('Hà Sơn (15313) maps to Tống Sơn (15316) in the curated ConceptMap', () => {
    const map = JSON.parse(fs.readFileSync(path.join(PROFILE_SOURCES_DIR, 'terminology/admin-units/ConceptMap-vn-admin-unit-2025-merges.json'), 'utf8'));
    const haSon = map.group[0].element.find((e: { code: string }) => e.code === '15313');
    expect(haSon.target).toEqual([{ code: '15316', display: 'Xã Tống Sơn', equivalence: 'wider' }]);
  });
});
