import type { StationConfig, Village } from '../config';
import { CCCD_PLACE_CODES, centurySexDigit } from '../identifiers/cccd';
import { familyName, fullName } from './names';
import { addDays, ageOn, type Random } from './random';

/**
 * The people of the synthetic commune: households of ~3.6 people in the configured villages, an age
 * pyramid with ~7% under 5 and ~15% aged 60+, Kinh with Mường and Thái minorities, valid personal
 * IDs, residence types and people who moved in or out during the year.
 */

export type Sex = 'male' | 'female';

export interface PersonPlan {
  name: string;
  sex: Sex;
  birthDate: string;
  role: string;
  ethnicCode: string;
  religion?: { system: string; code: string };
  occupationCode: string;
  cccd?: string;
  phone?: string;
  residenceType: 'thuong-tru' | 'tam-tru';
  residenceStart: string;
  /** Set when the person moved out during the year. */
  residenceEnd?: string;
}

export interface HouseholdPlan {
  code: string;
  village: Village;
  members: PersonPlan[];
}

const SIZES: readonly (readonly [number, number])[] = [[1, 8], [2, 16], [3, 22], [4, 28], [5, 15], [6, 7], [7, 4]];
const ETHNIC: readonly (readonly [string, number])[] = [['01', 96.5], ['06', 2.8], ['03', 0.5], ['07', 0.2]];
const CATHOLIC = { system: 'http://fhir.ehealth.gov.vn/core/CodeSystem/vn-core-ethic', code: '2' };
const BUDDHIST = { system: 'http://fhir.ehealth.gov.vn/core/CodeSystem/vn-core-ethic', code: '1' };
const NONE = { system: 'http://commune-ehr.example/fhir/CodeSystem/religion-extra', code: 'khong' };
const PLACE_CODES = [...CCCD_PLACE_CODES.keys()];

export class PopulationBuilder {
  private readonly usedIds = new Set<string>();
  private readonly phones = new Set<string>();
  private householdCount = 0;

  constructor(
    private readonly random: Random,
    private readonly config: StationConfig,
    /** The reference date: "now" for the synthetic commune. */
    private readonly asOf: string,
  ) {}

  /** Households until `residents` people are placed (the last household is cut to fit). */
  households(residents: number): HouseholdPlan[] {
    const out: HouseholdPlan[] = [];
    let placed = 0;
    while (placed < residents) {
      const size = Math.min(this.random.weighted(SIZES), residents - placed);
      out.push(this.household(size));
      placed += size;
    }
    return out;
  }

  private household(size: number): HouseholdPlan {
    const village = this.random.pick(this.config.villages);
    const code = `${village.code}-${String(++this.householdCount).padStart(4, '0')}`;
    const ethnic = this.random.weighted(ETHNIC);
    const religion = this.random.weighted([[NONE, 88], [CATHOLIC, 9], [BUDDHIST, 3]] as const);
    const family = familyName(this.random);
    // A household that moved into the commune during the year (temporary residents, mostly).
    const movedIn = this.random.chance(0.03) ? addDays(this.asOf, -this.random.int(1, 364)) : undefined;
    const members = this.composition(size).map(({ role, age, sex }) => this.person(family, role, age, sex, ethnic, religion, movedIn));
    return { code, village, members };
  }

  /** Roles, ages and sexes of a household of `size` people. */
  private composition(size: number): { role: string; age: number; sex: Sex }[] {
    const r = this.random;
    if (size === 1) return [{ role: 'chu-ho', age: r.chance(0.45) ? r.int(60, 92) : r.int(22, 59), sex: r.chance(0.6) ? 'female' : 'male' }];
    const elderlyCouple = size === 2 && r.chance(0.45);
    // Most heads are middle-aged; young couples with small children are about a fifth of families.
    const headAge = elderlyCouple ? r.int(60, 88) : r.chance(0.2) ? r.int(24, 36) : r.int(37, size >= 4 ? 68 : 60);
    const headSex: Sex = r.chance(0.8) ? 'male' : 'female';
    const members = [
      { role: 'chu-ho', age: headAge, sex: headSex },
      { role: 'vo-chong', age: Math.max(18, headAge + r.int(-6, 3)), sex: (headSex === 'male' ? 'female' : 'male') as Sex },
    ];
    if (size >= 5 && headAge < 60 && r.chance(0.7)) members.push({ role: 'bo-me', age: Math.min(95, headAge + r.int(22, 32)), sex: r.chance(0.6) ? 'female' : 'male' });
    const mother = Math.min(headAge, members[1].age);
    while (members.length < size) {
      const sex: Sex = r.chance(0.51) ? 'male' : 'female';
      // Older heads also have grandchildren at home.
      if (headAge >= 55 && r.chance(0.4)) {
        members.push({ role: 'chau', age: r.int(0, 17), sex });
        continue;
      }
      // Children born when the mother was about 29 (±5); when none fits, a sibling of the head lives with them.
      const age = this.childAge(mother);
      members.push(age === undefined ? { role: 'anh-chi-em', age: Math.max(16, headAge + r.int(-8, 8)), sex } : { role: 'con', age, sex });
    }
    return members.slice(0, size);
  }

  private childAge(mother: number): number | undefined {
    for (let tries = 0; tries < 5; tries++) {
      const age = mother - Math.round(Math.min(42, Math.max(18, this.random.normal(29, 5))));
      if (age >= 0) return age;
    }
    return undefined;
  }

  private person(family: string, role: string, age: number, sex: Sex, ethnicCode: string, religion: PersonPlan['religion'], movedIn?: string): PersonPlan {
    const r = this.random;
    const birthDate = addDays(this.asOf, -(age * 365 + r.int(0, 364)));
    const surname = role === 'vo-chong' || role === 'bo-me' ? familyName(r) : family;
    const plan: PersonPlan = {
      name: fullName(r, surname, sex),
      sex,
      birthDate,
      role,
      ethnicCode,
      religion,
      occupationCode: occupationFor(r, ageOn(birthDate, this.asOf)),
      residenceType: movedIn || r.chance(0.05) ? 'tam-tru' : 'thuong-tru',
      residenceStart: movedIn && movedIn > birthDate ? movedIn : birthDate,
    };
    // Nearly everyone has a personal ID number (issued at birth registration since 2021).
    if (r.chance(0.985)) plan.cccd = this.personalId(birthDate, sex);
    const years = ageOn(birthDate, this.asOf);
    if (years >= 16 && years <= 80 && r.chance(0.85)) plan.phone = this.phone();
    // Young adults leaving to work elsewhere during the year.
    if (!movedIn && years >= 18 && years <= 35 && r.chance(0.07)) plan.residenceEnd = addDays(this.asOf, -r.int(1, 360));
    return plan;
  }

  /** A 12-digit personal ID that passes the check, unique in the commune. */
  private personalId(birthDate: string, sex: Sex): string {
    const year = Number(birthDate.slice(0, 4));
    const place = this.random.chance(0.95) ? '038' : this.random.pick(PLACE_CODES);
    for (;;) {
      const id = `${place}${centurySexDigit(year, sex)}${String(year % 100).padStart(2, '0')}${String(this.random.int(0, 999999)).padStart(6, '0')}`;
      if (!this.usedIds.has(id)) {
        this.usedIds.add(id);
        return id;
      }
    }
  }

  private phone(): string {
    for (;;) {
      const phone = `0${this.random.pick(['9', '8', '3', '7'])}${String(this.random.int(0, 99999999)).padStart(8, '0')}`;
      if (!this.phones.has(phone)) {
        this.phones.add(phone);
        return phone;
      }
    }
  }
}

/** Occupation group (QĐ 4069) by age: children, pupils, retired, then the working mix of a rural commune. */
function occupationFor(r: Random, age: number): string {
  if (age < 6) return '01';
  if (age < 18) return '02';
  if (age >= 60) return '03';
  return r.weighted([['05', 52], ['04', 22], ['10', 11], ['08', 4], ['09', 1], ['06', 1], ['07', 1], ['99', 8]] as const);
}
