import type { Element, Immunization, Patient, RelatedPerson } from '@medplum/fhirtypes';
import { dateRange, localDate, localDay } from '../../fhir/search/dates';
import type { Repository } from '../../fhir/store/repository';
import { CS, VN_CORE } from '../canonical';
import type { StationConfig } from '../config';
import { FULLY_IMMUNISED } from '../immunization/schedule';
import { CARER_ROLES, carerRole, nameText } from '../model/carers';
import { addressOn } from './address';
import { idOf, searchAll } from './fetch';

/**
 * The childhood immunisation register A2.1/YTCS (Sổ tiêm chủng trẻ em, Circular 27/2014/TT-BYT): one
 * row per child born in the period, the date of each dose the book follows (domain README §6: BCG,
 * hepatitis B at birth within 24 hours or later, DPT-VGB-Hib 1–3, polio 1–3, measles, fully
 * immunised, DPT4, measles 2, and the mother's tetanus doses). A book follows its children past the
 * period: a dose given later (DPT4 at 18 months) is written in the same row.
 */

/** The dose columns, in the book's order. */
export const A2_DOSES = ['bcg', 'hepBWithin24h', 'hepBAfter24h', 'penta1', 'penta2', 'penta3', 'opv1', 'opv2', 'opv3', 'measles1', 'fullyImmunised', 'dpt4', 'measles2'] as const;
export type A2Dose = (typeof A2_DOSES)[number];

export interface A2Row {
  no: number;
  name: string;
  /** Date of birth (YYYY-MM-DD). */
  birthDate: string;
  sex: string;
  /** The child's mother, or another carer with the relationship in brackets. */
  carer: string;
  address: string;
  /** Date (YYYY-MM-DD, station's zone) of each dose given; absent when not given. */
  doses: Partial<Record<A2Dose, string>>;
  /** The mother's tetanus doses up to the birth: how many, and the last one's date; absent when her record is not known. */
  motherTetanus?: { doses: number; last?: string };
  notes: string;
}

export interface A2Register {
  from: string;
  to: string;
  rows: A2Row[];
}

export interface A2Context {
  repo: Repository;
  config: StationConfig;
  timeZone: string;
}

/** A dose the book counts, as recorded: vaccine code and dose number of the EPI series. */
type Given = { vaccine: string; dose: number; date: string; instant?: number };

/** Doses that fill a column: the first recorded of any of them. DPT4 and measles 2 are given as DPT and MR in today's schedule. */
const COLUMN_DOSES: Partial<Record<A2Dose, readonly { vaccine: string; dose: number }[]>> = {
  bcg: [{ vaccine: 'BCG', dose: 1 }],
  penta1: [{ vaccine: 'DPT-VGB-Hib', dose: 1 }],
  penta2: [{ vaccine: 'DPT-VGB-Hib', dose: 2 }],
  penta3: [{ vaccine: 'DPT-VGB-Hib', dose: 3 }],
  opv1: [{ vaccine: 'OPV', dose: 1 }],
  opv2: [{ vaccine: 'OPV', dose: 2 }],
  opv3: [{ vaccine: 'OPV', dose: 3 }],
  measles1: [{ vaccine: 'SOI', dose: 1 }],
  dpt4: [{ vaccine: 'DPT', dose: 1 }, { vaccine: 'DPT-VGB-Hib', dose: 4 }],
  measles2: [{ vaccine: 'MR', dose: 1 }, { vaccine: 'SOI', dose: 2 }],
};

/** Immunizations that were not given are not in the book. */
const NOT_GIVEN = new Set(['not-done', 'entered-in-error']);

const BIRTH_TIME = 'http://hl7.org/fhir/StructureDefinition/patient-birthTime';

/** Tetanus vaccines a woman has in pregnancy or of childbearing age (EPI): TT, and Td in its place. */
const TETANUS = new Set(['UV', 'Td']);
const DAY_MS = 86_400_000;

/**
 * Builds the register of the children born from `from` to `to` (dates, both included). Without
 * `mothers` (a count of doses needs none) the mothers' records are not looked up.
 */
export async function buildA2Register(ctx: A2Context, from: string, to: string, { mothers = true } = {}): Promise<A2Register> {
  const children = (await searchAll<Patient>(ctx.repo, 'Patient', [['birthdate', `ge${from}`], ['birthdate', `le${to}`]])).filter(
    (p) => p.birthDate && p.birthDate.length === 10 && from <= p.birthDate && p.birthDate <= to,
  );
  const refs = children.map((p) => `Patient/${p.id}`);
  const doses = new Map<string, Given[]>();
  const carers = new Map<string, RelatedPerson[]>();
  for (let i = 0; i < refs.length; i += 200) {
    const chunk = refs.slice(i, i + 200).join(',');
    for (const imm of await searchAll<Immunization>(ctx.repo, 'Immunization', [['patient', chunk]])) {
      const given = givenDose(imm, ctx.timeZone);
      const child = idOf(imm.patient.reference, 'Patient');
      if (given && child) doses.set(child, [...(doses.get(child) ?? []), given]);
    }
    for (const related of await searchAll<RelatedPerson>(ctx.repo, 'RelatedPerson', [['patient', chunk]])) {
      const child = idOf(related.patient.reference, 'Patient');
      if (child && related.active !== false && carerRole(related)) carers.set(child, [...(carers.get(child) ?? []), related]);
    }
  }
  const tetanus = mothers ? await mothersTetanus(ctx, [...carers.values()].flat()) : new Map<string, string[]>();
  const rows = children
    .map((p) => ({ p, name: nameText(p.name?.[0]) ?? '' }))
    .sort((a, b) => a.p.birthDate!.localeCompare(b.p.birthDate!) || a.name.localeCompare(b.name, 'vi'))
    .map(({ p, name }, i) => {
      const mother = (carers.get(p.id!) ?? []).map((c) => motherId(c)).find((id) => id && tetanus.has(id));
      return row(ctx, i + 1, p, name, doses.get(p.id!) ?? [], carers.get(p.id!) ?? [], mother ? tetanus.get(mother)! : undefined);
    });
  return { from, to, rows };
}

/** The CCCD of a child's mother, as her RelatedPerson carries it (model/person.ts `carerResource`). */
function motherId(carer: RelatedPerson): string | undefined {
  return carerRole(carer) === 'MTH' ? carer.identifier?.find((i) => i.system === VN_CORE.nationalId)?.value : undefined;
}

/**
 * The tetanus doses of the mothers who are residents with a record here, by their CCCD: each
 * dose's date, sorted. A mother without a record (or without a CCCD) is not in the map.
 */
async function mothersTetanus(ctx: A2Context, carers: RelatedPerson[]): Promise<Map<string, string[]>> {
  const ids = [...new Set(carers.flatMap((c) => motherId(c) ?? []))];
  const byId = new Map<string, string[]>();
  for (let i = 0; i < ids.length; i += 200) {
    const mothers = await searchAll<Patient>(ctx.repo, 'Patient', [['identifier', ids.slice(i, i + 200).map((id) => `${VN_CORE.nationalId}|${id}`).join(',')]]);
    const cccdOf = new Map(mothers.map((m) => [m.id!, m.identifier!.find((x) => x.system === VN_CORE.nationalId)!.value!]));
    for (const m of mothers) byId.set(cccdOf.get(m.id!)!, []);
    const refs = mothers.map((m) => `Patient/${m.id}`).join(',');
    if (!refs) continue;
    for (const imm of await searchAll<Immunization>(ctx.repo, 'Immunization', [['patient', refs]])) {
      const given = givenDose(imm, ctx.timeZone);
      const mother = cccdOf.get(idOf(imm.patient.reference, 'Patient') ?? '');
      if (given && mother && TETANUS.has(given.vaccine)) byId.get(mother)!.push(given.date);
    }
  }
  for (const dates of byId.values()) dates.sort();
  return byId;
}

function givenDose(imm: Immunization, timeZone: string): Given | undefined {
  if (NOT_GIVEN.has(imm.status) || !imm.occurrenceDateTime) return undefined;
  const vaccine = imm.vaccineCode.coding?.find((c) => c.system === CS.epiVaccine)?.code;
  const dose = imm.protocolApplied?.[0]?.doseNumberPositiveInt ?? Number(imm.protocolApplied?.[0]?.doseNumberString);
  if (!vaccine || !Number.isInteger(dose)) return undefined;
  // A time of day makes the hepatitis B birth dose's 24 hours exact; a date alone does not.
  const hasTime = imm.occurrenceDateTime.length > 10;
  return { vaccine, dose, date: localDate(imm.occurrenceDateTime, timeZone), instant: hasTime ? dateRange(imm.occurrenceDateTime, timeZone)?.lo : undefined };
}

function row(ctx: A2Context, no: number, child: Patient, name: string, given: Given[], carers: RelatedPerson[], motherTetanus: string[] | undefined): A2Row {
  const first = (wanted: readonly { vaccine: string; dose: number }[]): Given | undefined =>
    given.filter((g) => wanted.some((w) => w.vaccine === g.vaccine && w.dose === g.dose)).sort((a, b) => a.date.localeCompare(b.date))[0];
  const doses: Partial<Record<A2Dose, string>> = {};
  for (const [column, wanted] of Object.entries(COLUMN_DOSES) as [A2Dose, { vaccine: string; dose: number }[]][]) {
    const dose = first(wanted);
    if (dose) doses[column] = dose.date;
  }
  const notes: string[] = [];
  const hepB = first([{ vaccine: 'VGB-SS', dose: 1 }]);
  if (hepB) {
    const timing = hepBTiming(child, hepB, ctx.timeZone);
    doses[timing === 'after' ? 'hepBAfter24h' : 'hepBWithin24h'] = hepB.date;
    if (timing === 'unknown') notes.push('VGB sơ sinh ngày thứ 2: không rõ giờ sinh');
  }
  const fully = FULLY_IMMUNISED.map((d) => first([d]));
  if (fully.every((d) => d)) {
    const last = fully.map((d) => d!.date).sort().at(-1)!;
    if (last < firstBirthday(child.birthDate!)) doses.fullyImmunised = last;
    else notes.push('Đủ mũi cơ bản sau 1 tuổi');
  }
  if (child.deceasedBoolean || child.deceasedDateTime) notes.push('Đã mất');
  return {
    no,
    name,
    birthDate: child.birthDate!,
    sex: child.gender === 'male' ? 'Nam' : child.gender === 'female' ? 'Nữ' : '',
    carer: carerText(carers),
    // Where the child lives now (the book is used to find children due a dose); the village, as the book is the commune's.
    address: addressOn(ctx.config, child, localDay(ctx.timeZone, Date.now()), true),
    doses,
    motherTetanus: motherTetanus && beforeBirth(motherTetanus, child.birthDate!),
    notes: notes.join('; '),
  };
}

/**
 * Whether the hepatitis B birth dose came within 24 hours of birth. Exact when both the birth
 * (the standard `patient-birthTime` extension) and the dose have a time of day; otherwise by the
 * calendar: the day of birth is within, two days or more after is not, and the next day cannot be
 * told (written as within, with a note).
 */
function hepBTiming(child: Patient, dose: Given, timeZone: string): 'within' | 'after' | 'unknown' {
  const birthTime = (child as Patient & { _birthDate?: Element })._birthDate?.extension?.find((e) => e.url === BIRTH_TIME)?.valueDateTime;
  const born = birthTime && birthTime.length > 10 ? dateRange(birthTime, timeZone)?.lo : undefined;
  if (born !== undefined && dose.instant !== undefined) return dose.instant - born <= DAY_MS ? 'within' : 'after';
  const days = (Date.parse(`${dose.date}T00:00:00Z`) - Date.parse(`${child.birthDate}T00:00:00Z`)) / DAY_MS;
  return days <= 0 ? 'within' : days >= 2 ? 'after' : 'unknown';
}

function firstBirthday(birthDate: string): string {
  const [y, m, d] = birthDate.split('-').map(Number);
  // 29 February's first birthday is 1 March.
  return new Date(Date.UTC(y + 1, m - 1, d)).toISOString().slice(0, 10);
}

/** The mother's tetanus doses (sorted dates) up to the day of the birth. */
function beforeBirth(dates: string[], birthDate: string): { doses: number; last?: string } {
  const before = dates.filter((date) => date <= birthDate);
  return { doses: before.length, last: before.at(-1) };
}

/** The mother when she is recorded; else the carers, each with the relationship. */
function carerText(carers: RelatedPerson[]): string {
  const mothers = carers.filter((c) => carerRole(c) === 'MTH');
  const named = (c: RelatedPerson, withRole: boolean): string => {
    const name = nameText(c.name?.[0]) ?? '';
    return withRole ? `${name} (${CARER_ROLES[carerRole(c)!].vi})` : name;
  };
  return mothers.length ? mothers.map((c) => named(c, false)).join(', ') : carers.map((c) => named(c, true)).join(', ');
}
