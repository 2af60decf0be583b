import { EPI_SCHEDULE } from '../immunization/schedule';
import type { GrowthTables } from '../growth/tables';
import { CHILD_COMPLAINTS, ADULT_COMPLAINTS, CHRONIC, ELDERLY_COMPLAINTS, REMOTE_COMPLAINTS, type Complaint } from './catalogue';
import type { PersonPlan } from './population';
import { addDays, ageOn, daysBetween, type Random } from './random';

/**
 * Everything the station holds about one synthetic resident besides the demographics: the BHYT card,
 * app enrolments, a year of visits with vital signs, EPI doses and growth measurements.
 */

export interface CoveragePlan {
  cardCode: string;
  start: string;
  end: string;
  atStation: boolean;
}

export interface EnrolmentPlan {
  app: string;
  verification: 'self-declared' | 'seen-on-phone' | 'platform-confirmed';
  enrolledOn: string;
  withdrawnOn?: string;
}

export type VitalPlan = { loinc: string; value: number } | { systolic: number; diastolic: number };

export interface VisitPlan {
  start: string;
  end: string;
  class: 'AMB' | 'HH' | 'VR';
  complaints: Complaint[];
  staff: number;
  vitals: VitalPlan[];
}

export interface GrowthPlan {
  date: string;
  heightCm: number;
  weightKg: number;
  lying: boolean;
}

export interface CarePlan {
  coverage?: CoveragePlan;
  enrolments: EnrolmentPlan[];
  visits: VisitPlan[];
  immunizations: { vaccine: string; dose: number; when: string }[];
  growth: GrowthPlan[];
}

/** The e-health-book campaign of the commune's plan (KH 68, August 2023) is when enrolments start. */
const CAMPAIGN_START = '2023-08-14';

export class CarePlanner {
  constructor(
    private readonly r: Random,
    private readonly asOf: string,
    private readonly tables: GrowthTables | undefined,
  ) {}

  /** First and last day the resident was in the commune during the year before `asOf`. */
  private window(p: PersonPlan): { from: string; to: string } | undefined {
    const yearStart = addDays(this.asOf, -364);
    const from = [yearStart, p.residenceStart, p.birthDate].sort().at(-1)!;
    const to = p.residenceEnd ?? this.asOf;
    return from <= to ? { from, to } : undefined;
  }

  plan(p: PersonPlan): CarePlan {
    const age = ageOn(p.birthDate, this.asOf);
    const enrolments = this.enrolments(p, age);
    const telemedicine = enrolments.find((e) => e.app === 'vtelehealth' || e.app === 'other-telemedicine');
    return {
      coverage: this.coverage(p, age),
      enrolments,
      visits: [...this.visits(p, age), ...(telemedicine && this.r.chance(0.93) ? this.remoteVisits(p, telemedicine.enrolledOn) : [])],
      immunizations: age < 5 ? this.immunizations(p) : [],
      growth: age < 5 ? this.growth(p) : [],
    };
  }

  // ------------------------------------------------------------------ BHYT

  private coverage(p: PersonPlan, age: number): CoveragePlan | undefined {
    const r = this.r;
    const number = String(r.int(0, 9_999_999_999)).padStart(10, '0');
    if (age < 6) {
      // Children under 6 are covered from birth to the day before their sixth birthday.
      const sixth = `${Number(p.birthDate.slice(0, 4)) + 6}${p.birthDate.slice(4) === '-02-29' ? '-03-01' : p.birthDate.slice(4)}`;
      return { cardCode: `TE138${number}`, start: p.birthDate, end: addDays(sixth, -1), atStation: true };
    }
    if (r.chance(0.035)) return undefined;
    const [category, level] = this.category(age);
    const start = addDays(this.asOf, -r.int(0, 364));
    const expired = r.chance(0.025);
    const cardStart = expired ? addDays(start, -365) : start;
    return { cardCode: `${category}${level}38${number}`, start: cardStart, end: addDays(cardStart, 364), atStation: r.chance(0.88) };
  }

  private category(age: number): [string, number] {
    const r = this.r;
    if (age < 18) return ['HS', 4];
    if (age <= 22 && r.chance(0.4)) return ['SV', 4];
    if (age >= 80 && r.chance(0.6)) return ['BT', 2];
    if (age >= 60) return r.weighted([[['HT', 3], 35], [['GD', 4], 40], [['CB', 2], 8], [['CC', 1], 3], [['HN', 2], 6], [['CN', 3], 8]] as const) as [string, number];
    return r.weighted([[['DN', 4], 24], [['HC', 4], 5], [['GD', 4], 46], [['HN', 2], 6], [['CN', 3], 9], [['XK', 4], 2], [['QN', 1], 1], [['HX', 4], 2]] as const) as [string, number];
  }

  // ------------------------------------------------------------------ app enrolment

  private enrolments(p: PersonPlan, age: number): EnrolmentPlan[] {
    const r = this.r;
    const out: EnrolmentPlan[] = [];
    const enrol = (app: string): void => {
      const earliest = [CAMPAIGN_START, p.birthDate, p.residenceStart].sort().at(-1)!;
      const latest = p.residenceEnd ?? this.asOf;
      if (earliest > latest) return;
      const enrolledOn = addDays(earliest, r.int(0, daysBetween(earliest, latest)));
      const withdrawnOn = r.chance(0.015) ? addDays(enrolledOn, r.int(0, daysBetween(enrolledOn, latest))) : undefined;
      out.push({ app, verification: r.weighted([['seen-on-phone', 50], ['self-declared', 30], ['platform-confirmed', 20]] as const), enrolledOn, withdrawnOn });
    };
    const book = age < 14 ? 0.55 : age < 18 ? 0.6 : age < 60 ? 0.78 : age < 75 ? 0.55 : 0.25;
    if (r.chance(book)) enrol('vneid-health-book');
    const tele = age < 18 ? 0.25 : age < 60 ? 0.42 : 0.45;
    if (r.chance(tele)) enrol(r.chance(0.8) ? 'vtelehealth' : 'other-telemedicine');
    if (p.phone && r.chance(0.08)) enrol('station-app');
    return out;
  }

  // ------------------------------------------------------------------ visits

  private visits(p: PersonPlan, age: number): VisitPlan[] {
    const window = this.window(p);
    if (!window) return [];
    const r = this.r;
    const base = age < 1 ? 2.5 : age < 5 ? 1.2 : age < 15 ? 0.4 : age < 60 ? 0.3 : 0.7;
    const hypertension = age >= 40 && r.chance(age >= 60 ? 0.4 : 0.12);
    const diabetes = age >= 40 && r.chance(age >= 60 ? 0.1 : 0.04);
    const visits: VisitPlan[] = [];
    const pool = (age < 15 ? CHILD_COMPLAINTS : age < 60 ? ADULT_COMPLAINTS : [...ELDERLY_COMPLAINTS, ...ADULT_COMPLAINTS.filter((c) => c.specialty !== 'san')]).filter(
      (c) => !c.sex || c.sex === p.sex,
    );
    for (let i = r.poisson(base); i > 0; i--) visits.push(this.visit(p, age, window, [r.weighted(pool.map((c) => [c, c.weight] as const))], false));
    const followUps = hypertension || diabetes ? r.int(2, 5) : 0;
    const chronic = [hypertension ? CHRONIC.I10 : undefined, diabetes ? CHRONIC.E11 : undefined].filter((c): c is Complaint => !!c);
    for (let i = 0; i < followUps; i++) visits.push(this.visit(p, age, window, chronic, hypertension));
    return visits;
  }

  private visit(p: PersonPlan, age: number, window: { from: string; to: string }, complaints: Complaint[], hypertensive: boolean, cls?: VisitPlan['class']): VisitPlan {
    const r = this.r;
    const day = this.weekday(addDays(window.from, r.int(0, daysBetween(window.from, window.to))), window.to);
    const minutes = r.int(7 * 60 + 30, 16 * 60 + 30);
    const at = (m: number): string => `${day}T${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}:00+07:00`;
    const visitClass = cls ?? (age >= 80 && r.chance(0.3) ? 'HH' : 'AMB');
    const specialty = complaints[0].specialty;
    const staff = specialty === 'san' ? 3 : specialty === 'yhct' ? 2 : r.weighted([[0, 45], [1, 45], [4, 10]] as const);
    return { start: at(minutes), end: at(minutes + r.int(8, 25)), class: visitClass, complaints, staff, vitals: visitClass === 'VR' ? [] : this.vitals(p, age, complaints, hypertensive) };
  }

  /** Moves a weekend day to the next Monday when that stays within the window (the station is closed). */
  private weekday(day: string, last: string): string {
    const dow = new Date(`${day}T00:00:00Z`).getUTCDay();
    const moved = dow === 6 ? addDays(day, 2) : dow === 0 ? addDays(day, 1) : day;
    return moved <= last ? moved : day;
  }

  private remoteVisits(p: PersonPlan, enrolledOn: string): VisitPlan[] {
    const window = this.window(p);
    if (!window) return [];
    const from = enrolledOn > window.from ? enrolledOn : window.from;
    if (from > window.to) return [];
    const count = 1 + this.r.poisson(0.15);
    return Array.from({ length: count }, () =>
      this.visit(p, ageOn(p.birthDate, this.asOf), { from, to: window.to }, [this.r.weighted(REMOTE_COMPLAINTS.map((c) => [c, c.weight] as const))], false, 'VR'),
    );
  }

  private vitals(p: PersonPlan, age: number, complaints: Complaint[], hypertensive: boolean): VitalPlan[] {
    const r = this.r;
    const out: VitalPlan[] = [];
    const round1 = (x: number): number => Math.round(x * 10) / 10;
    const febrile = complaints.some((c) => /^(J|A09|B08)/.test(c.code));
    if (age >= 15) {
      const [systolic, diastolic] = hypertensive ? [r.normal(146, 14), r.normal(88, 8)] : [r.normal(118, 11), r.normal(75, 7)];
      // Drawn apart, the two could meet (the station refuses a diastolic at or above the systolic):
      // a pulse pressure under 20 mmHg is kept at 20.
      out.push({ systolic: Math.round(systolic), diastolic: Math.min(Math.round(diastolic), Math.round(systolic) - 20) });
      if (r.chance(0.3)) out.push({ loinc: '29463-7', value: round1(r.normal(p.sex === 'male' ? 59 : 51, 7)) });
      if (complaints.some((c) => c.code === 'I10' || c.code === 'E11') && r.chance(0.5)) out.push({ loinc: '8280-0', value: Math.round(r.normal(p.sex === 'male' ? 84 : 79, 8)) });
    } else {
      out.push({ loinc: '29463-7', value: round1(Math.max(2.5, childWeight(age) * r.normal(1, 0.1))) });
    }
    if (febrile) out.push({ loinc: '8310-5', value: round1(r.normal(37.7, 0.6)) });
    if (r.chance(0.3)) out.push({ loinc: '8867-4', value: Math.round(r.normal(age < 5 ? 110 : 80, 10)) });
    return out;
  }

  // ------------------------------------------------------------------ EPI and growth

  private immunizations(p: PersonPlan): CarePlan['immunizations'] {
    const r = this.r;
    const ageDays = daysBetween(p.birthDate, this.asOf);
    return EPI_SCHEDULE.flatMap((dose) => {
      if (!r.chance(0.95)) return [];
      const lateBy = dose.vaccine === 'VGB-SS' ? (r.chance(0.85) ? 0 : r.int(2, 7)) : dose.dueDay === 0 ? r.int(0, 10) : r.int(0, 25);
      const day = dose.dueDay + lateBy;
      if (day > ageDays) return [];
      return [{ vaccine: dose.vaccine, dose: dose.dose, when: `${addDays(p.birthDate, day)}T${String(r.int(7, 16)).padStart(2, '0')}:30:00+07:00` }];
    });
  }

  /**
   * Weighing and measuring on the national micronutrient days (1 June and 1 December): each child
   * keeps a height-for-age z drawn once (mean −0.9, SD 1.05, so about 15% fall below −2).
   */
  private growth(p: PersonPlan): GrowthPlan[] {
    if (!this.tables) return [];
    const r = this.r;
    const z = r.normal(-0.9, 1.05);
    const sex = p.sex === 'male' ? 1 : 2;
    const days = [`${this.asOf.slice(0, 4)}-06-01`, `${this.asOf.slice(0, 4)}-12-01`, `${Number(this.asOf.slice(0, 4)) - 1}-12-01`].filter(
      (d) => d <= this.asOf && d > addDays(this.asOf, -365) && d >= p.birthDate && (!p.residenceEnd || d <= p.residenceEnd),
    );
    return days.flatMap((date) => {
      const ageDays = daysBetween(p.birthDate, date);
      const lms = this.tables!.lengthForAgeDays.get(`${sex}:${ageDays}`);
      if (!lms || ageDays < 1 || !r.chance(0.88)) return [];
      const heightCm = Math.round(lms.m * (1 + lms.l * lms.s * (z + r.normal(0, 0.12))) ** (1 / lms.l) * 10) / 10;
      return [{ date, heightCm, weightKg: Math.round(0.000628 * heightCm ** 2.19 * r.normal(1, 0.07) * 10) / 10, lying: ageDays < 731 }];
    });
  }
}

/**
 * Tetanus in pregnancy (EPI, register A2.1): the mother of a baby born in the last year had her two
 * UV doses about five and four months before the birth.
 */
export function addTetanusInPregnancy(members: PersonPlan[], care: CarePlan[], asOf: string): void {
  const baby = members.find((m) => ageOn(m.birthDate, asOf) === 0 && m.role === 'con');
  const motherIndex = members.findIndex((m) => m.sex === 'female' && (m.role === 'vo-chong' || m.role === 'chu-ho') && ageOn(m.birthDate, asOf) < 46);
  if (!baby || motherIndex < 0) return;
  care[motherIndex].immunizations.push(
    { vaccine: 'UV', dose: 1, when: `${addDays(baby.birthDate, -150)}T09:00:00+07:00` },
    { vaccine: 'UV', dose: 2, when: `${addDays(baby.birthDate, -120)}T09:00:00+07:00` },
  );
}

/** A rough weight for a child's age, for visit vitals (growth measurements use the WHO tables). */
function childWeight(age: number): number {
  return age < 1 ? 7 : age < 10 ? 2 * age + 8 : 3 * age;
}

