import type { Address, Group, HumanName, Identifier, Patient, RelatedPerson } from '@medplum/fhirtypes';
import { CS, EXT, PROFILE, SID, SYSTEMS, VN_CORE } from '../canonical';
import { villageText, type StationConfig, type Village } from '../config';

/**
 * Builders for the station's person resources, shaped to the station profiles. The seed, the tests
 * and the docs' examples use them, so a valid example is written once.
 */

export type Sex = 'male' | 'female';

/** A Vietnamese name, family name first: "Nguyễn Thị Hoa" → family Nguyễn, given [Thị, Hoa]. */
export function vietnameseName(full: string): HumanName {
  const [family, ...given] = full.trim().split(/\s+/);
  // A one-word name has no given names: left out, as R4's JSON has no empty arrays.
  return { use: 'official', text: full.trim(), family, given: given.length ? given : undefined };
}

export interface Residence {
  village: Village;
  type: 'thuong-tru' | 'tam-tru';
  start?: string;
  end?: string;
}

/** An address in the station's commune: province + commune + village, the former commune and district kept. */
export function stationAddress(config: StationConfig, residence: Residence): Address {
  const former = config.formerCommunes.find((c) => c.code === residence.village.formerCommune)!;
  const address: Address = {
    use: 'home',
    type: 'physical',
    text: `${villageText(residence.village.name)}, xã ${config.commune.name}, tỉnh ${config.province.name}`,
    line: [residence.village.name],
    city: config.commune.name,
    state: config.province.name,
    country: 'VN',
    extension: [
      { url: EXT.province, valueCoding: { system: CS.adminUnit2025, code: config.province.code, display: config.province.name } },
      { url: EXT.commune, valueCoding: { system: CS.adminUnit2025, code: config.commune.code, display: config.commune.name } },
      { url: EXT.village, valueCoding: { system: CS.village, code: residence.village.code, display: residence.village.name } },
      { url: EXT.formerCommune, valueCoding: { system: CS.adminUnitPre2025, code: former.code, display: former.name } },
      { url: EXT.formerDistrict, valueCoding: { system: CS.adminUnitPre2025, code: former.district.code, display: former.district.name } },
      { url: EXT.residenceType, valueCoding: { system: CS.residenceType, code: residence.type, display: residence.type === 'thuong-tru' ? 'Thường trú' : 'Tạm trú' } },
    ],
  };
  if (residence.start || residence.end) address.period = { start: residence.start, end: residence.end };
  return address;
}

/** The station's own patient number: its facility code and a serial of at least six digits, 38999-000123. */
export function stationNumber(config: StationConfig, serial: number): string {
  return `${config.station.facilityCode}-${String(serial).padStart(6, '0')}`;
}

export function stationNumberIdentifier(config: StationConfig, value: string): Identifier {
  return { system: VN_CORE.patientInternalId, value, assigner: { display: config.station.name } };
}

export interface ResidentInput {
  name: string;
  sex: Sex;
  birthDate: string;
  ethnicCode: string;
  residences: Residence[];
  cccd?: string;
  bhytCardCode?: string;
  /** Given only by the seed and imports: the server numbers a resident registered without one (identifiers/station-number.ts). */
  stationNumber?: string;
  occupationCode?: string;
  occupationText?: string;
  religionCode?: { system: string; code: string; display?: string };
  phone?: string;
}

/** A Resident (Patient) claiming the station's profile. */
export function residentResource(config: StationConfig, input: ResidentInput): Patient {
  const identifier: Identifier[] = [];
  if (input.cccd) identifier.push(personalIdentifier(input.cccd));
  if (input.bhytCardCode) identifier.push({ type: { coding: [{ system: SYSTEMS.v2IdentifierType, code: 'SB' }] }, system: VN_CORE.insuranceNumber, value: input.bhytCardCode });
  if (input.stationNumber) identifier.push(stationNumberIdentifier(config, input.stationNumber));
  const patient: Patient = {
    resourceType: 'Patient',
    meta: { profile: [PROFILE.resident] },
    extension: [{ url: EXT.ethnicGroup, valueCoding: { system: VN_CORE.race, code: input.ethnicCode } }],
    // R4's JSON has no empty arrays: a resident registered with none is numbered on the create.
    identifier: identifier.length > 0 ? identifier : undefined,
    active: true,
    name: [vietnameseName(input.name)],
    gender: input.sex,
    birthDate: input.birthDate,
    address: input.residences.map((r) => stationAddress(config, r)),
  };
  if (input.occupationCode || input.occupationText) {
    const coding = input.occupationCode ? [{ system: VN_CORE.occupation, code: input.occupationCode }] : undefined;
    patient.extension!.push({ url: EXT.occupation, valueCodeableConcept: { coding, text: input.occupationText } });
  }
  if (input.religionCode) patient.extension!.push({ url: EXT.religion, valueCodeableConcept: { coding: [input.religionCode] } });
  if (input.phone) patient.telecom = [{ system: 'phone', value: input.phone, use: 'mobile' }];
  return patient;
}

/** A personal ID (CCCD) as an identifier: type NI, the national-ID system of VN Core. */
export function personalIdentifier(cccd: string): Identifier {
  return { type: { coding: [{ system: SYSTEMS.v2IdentifierType, code: 'NI' }] }, system: VN_CORE.nationalId, value: cccd };
}

/**
 * A carer or emergency contact (RelatedPerson) with a v3 RoleCode relationship (MTH, FTH, SON, DAU…).
 * `personalId`, the carer's own CCCD when they are a resident too, is how a register finds the
 * carer's record from the child's (the A2.1 book prints the mother's tetanus doses).
 */
export function carerResource(patientRef: string, name: string, sex: Sex, role: { code: string; display: string }, phone?: string, personalId?: string): RelatedPerson {
  return {
    resourceType: 'RelatedPerson',
    meta: { profile: [PROFILE.carer] },
    identifier: personalId ? [personalIdentifier(personalId)] : undefined,
    active: true,
    patient: { reference: patientRef },
    relationship: [{ coding: [{ system: SYSTEMS.v3RoleCode, code: role.code, display: role.display }] }],
    name: [vietnameseName(name)],
    gender: sex,
    telecom: phone ? [{ system: 'phone', value: phone, use: 'mobile' }] : undefined,
  };
}

export interface HouseholdMember {
  patientRef: string;
  role: string;
  start?: string;
  end?: string;
}

/** A household (Group) with its members and their relationship to the head. */
export function householdResource(code: string, name: string, members: HouseholdMember[]): Group {
  return {
    resourceType: 'Group',
    meta: { profile: [PROFILE.household] },
    identifier: [{ system: SID.household, value: code }],
    type: 'person',
    actual: true,
    name,
    quantity: members.filter((m) => !m.end).length,
    member: members.map((m) => ({
      extension: [{ url: EXT.householdRole, valueCoding: { system: CS.householdRole, code: m.role } }],
      entity: { reference: m.patientRef },
      period: m.start || m.end ? { start: m.start, end: m.end } : undefined,
      inactive: m.end ? true : undefined,
    })),
  };
}
