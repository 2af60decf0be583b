import type { Condition, Coverage, Encounter, Identifier, Patient, Period, Practitioner } from '@medplum/fhirtypes';
import { localDate } from '../../fhir/search/dates';
import type { Repository } from '../../fhir/store/repository';
import { EXT, SYSTEMS, VN_CORE } from '../canonical';
import type { StationConfig } from '../config';
import { codingOf, extensionsOf } from '../rules/issues';
import type { StationTerminology } from '../rules/terminology';
import { addressOn } from './address';
import { idOf, readMany, searchAll } from './fetch';

/**
 * The examination register A1/YTCS (Sổ khám bệnh, Circular 27/2014/TT-BYT): one row per visit —
 * one Encounter, so each specialty examined counts as a visit — in the order of its 13 columns.
 */
export interface A1Row {
  /** Visit date in the station's time zone (the printed register groups rows by day). */
  date: string;
  no: number;
  name: string;
  ageMale: string;
  ageFemale: string;
  bhyt: string;
  address: string;
  occupation: string;
  ethnicGroup: string;
  symptoms: string;
  diagnosis: string;
  treatment: string;
  examiner: string;
  notes: string;
}

export interface A1Register {
  from: string;
  to: string;
  rows: A1Row[];
}

/** Visits that did not happen are not in the register. */
const NOT_EXAMINED = new Set(['planned', 'cancelled', 'entered-in-error']);
const CLASS_NOTE: Record<string, string> = { HH: 'Khám tại nhà', VR: 'Khám từ xa' };

export interface A1Context {
  repo: Repository;
  config: StationConfig;
  terminology: StationTerminology;
  timeZone: string;
}

/** Builds the register for visits from `from` to `to` (dates, both included, in the station's zone). */
export async function buildA1Register(ctx: A1Context, from: string, to: string): Promise<A1Register> {
  // The search narrows by date (a visit without an end overlaps every later day, so `lt` the day
  // after `to`); the row's own date is then the start of the visit in the station's time zone.
  const found = await searchAll<Encounter>(ctx.repo, 'Encounter', [['date', `ge${from}`], ['date', `lt${dayAfter(to)}`]]);
  const encounters = found.filter((e) => {
    const day = e.period?.start ? localDate(e.period.start, ctx.timeZone) : '';
    return !NOT_EXAMINED.has(e.status) && from <= day && day <= to;
  });
  const patients = await readMany<Patient>(ctx.repo, 'Patient', encounters.flatMap((e) => idOf(e.subject?.reference, 'Patient') ?? []));
  const conditions = await readMany<Condition>(ctx.repo, 'Condition', encounters.flatMap((e) => (e.diagnosis ?? []).flatMap((d) => idOf(d.condition.reference, 'Condition') ?? [])));
  const practitioners = await readMany<Practitioner>(ctx.repo, 'Practitioner', encounters.flatMap((e) => (e.participant ?? []).flatMap((p) => idOf(p.individual?.reference, 'Practitioner') ?? [])));
  const coverages = await coveragesByPatient(ctx.repo, [...patients.keys()]);
  const rows = encounters
    .map((e) => ({ e, date: localDate(e.period!.start!, ctx.timeZone) }))
    .sort((a, b) => a.date.localeCompare(b.date) || a.e.period!.start!.localeCompare(b.e.period!.start!))
    .map(({ e, date }, i) => {
      const patient = patients.get(idOf(e.subject?.reference, 'Patient') ?? '');
      return row(ctx, i + 1, date, e, patient, conditions, practitioners, coverages.get(patient?.id ?? '') ?? []);
    });
  return { from, to, rows };
}

async function coveragesByPatient(repo: Repository, patientIds: string[]): Promise<Map<string, Coverage[]>> {
  const byPatient = new Map<string, Coverage[]>();
  for (let i = 0; i < patientIds.length; i += 200) {
    const refs = patientIds.slice(i, i + 200).map((id) => `Patient/${id}`);
    for (const c of await searchAll<Coverage>(repo, 'Coverage', [['beneficiary', refs.join(',')]])) {
      const id = idOf(c.beneficiary.reference, 'Patient')!;
      byPatient.set(id, [...(byPatient.get(id) ?? []), c]);
    }
  }
  return byPatient;
}

function row(
  ctx: A1Context,
  no: number,
  date: string,
  e: Encounter,
  patient: Patient | undefined,
  conditions: Map<string, Condition>,
  practitioners: Map<string, Practitioner>,
  coverages: Coverage[],
): A1Row {
  const age = patient?.birthDate ? ageText(patient.birthDate, date) : '';
  const diagnoses = [...(e.diagnosis ?? [])]
    .sort((a, b) => (a.rank ?? 99) - (b.rank ?? 99))
    .map((d) => conditions.get(idOf(d.condition.reference, 'Condition') ?? ''))
    .flatMap((c) => c?.code?.coding?.filter((x) => x.system === SYSTEMS.icd10) ?? [])
    .map((c) => `${c.code} ${c.display ?? ctx.terminology.icd10.get(c.code!)?.display ?? ''}`.trim());
  return {
    date,
    no,
    name: patient?.name?.[0]?.text ?? [patient?.name?.[0]?.family, ...(patient?.name?.[0]?.given ?? [])].filter(Boolean).join(' '),
    ageMale: patient?.gender === 'male' ? age : '',
    ageFemale: patient?.gender === 'female' ? age : '',
    bhyt: bhytOn(coverages, patient, date),
    address: addressOn(ctx.config, patient, date),
    occupation: occupation(ctx, patient),
    ethnicGroup: ethnicGroup(ctx, patient),
    symptoms: (e.reasonCode ?? []).map((r) => r.text ?? r.coding?.[0]?.display ?? '').filter(Boolean).join('; '),
    diagnosis: diagnoses.join('; '),
    treatment: extensionsOf(e, EXT.treatment)[0]?.ext.valueString ?? '',
    examiner: examiner(e, practitioners),
    notes: [CLASS_NOTE[e.class?.code ?? ''], extensionsOf(e, EXT.visitNote)[0]?.ext.valueString].filter(Boolean).join('; '),
  };
}

function dayAfter(date: string): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
}

/** Age on the visit date: whole years; under one year, months; under one month, days. */
export function ageText(birthDate: string, onDate: string): string {
  const [by, bm, bd] = birthDate.split('-').map(Number);
  const [y, m, d] = onDate.split('-').map(Number);
  const months = (y - by) * 12 + (m - (bm ?? 1)) - (d < (bd ?? 1) ? 1 : 0);
  if (months >= 12) return String(Math.floor(months / 12));
  if (months >= 1) return `${months} tháng`;
  const days = Math.round((Date.UTC(y, m - 1, d) - Date.UTC(by, (bm ?? 1) - 1, bd ?? 1)) / 86_400_000);
  return `${days} ngày`;
}

/**
 * The BHYT card valid on the visit date (a Coverage with a card code; another insurance is not
 * one). The card code on the Patient stands in only for a resident with no card recorded at all:
 * registration writes the same code on the Patient and on its Coverage, so once cards are recorded
 * their dates decide, and a visit before a card started or after it expired was not insured —
 * column 5 stays empty (an identifier's own period is held too).
 */
function bhytOn(coverages: Coverage[], patient: Patient | undefined, date: string): string {
  const covers = (period: Period | undefined): boolean => (period?.start ?? '').slice(0, 10) <= date && date <= (period?.end ?? '9999').slice(0, 10);
  const cardCode = (identifiers: Identifier[] | undefined): string | undefined => identifiers?.find((i) => i.system === VN_CORE.insuranceNumber && covers(i.period))?.value;
  const cards = coverages.filter((c) => c.identifier?.some((i) => i.system === VN_CORE.insuranceNumber));
  if (!cards.length) return cardCode(patient?.identifier) ?? '';
  return cards.filter((c) => c.status === 'active' && covers(c.period)).map((c) => cardCode(c.identifier)).find((code) => code !== undefined) ?? '';
}

function occupation(ctx: A1Context, patient: Patient | undefined): string {
  const concept = extensionsOf(patient, EXT.occupation)[0]?.ext.valueCodeableConcept;
  if (!concept) return '';
  const coding = concept.coding?.[0];
  return concept.text ?? coding?.display ?? (coding?.code ? ctx.terminology.display(VN_CORE.occupation, coding.code) ?? coding.code : '');
}

function ethnicGroup(ctx: A1Context, patient: Patient | undefined): string {
  const c = codingOf(patient, EXT.ethnicGroup);
  return c?.code ? ctx.terminology.display(VN_CORE.race, c.code) ?? c.display ?? c.code : '';
}

function examiner(e: Encounter, practitioners: Map<string, Practitioner>): string {
  return (e.participant ?? [])
    .map((p) => {
      const practitioner = practitioners.get(idOf(p.individual?.reference, 'Practitioner') ?? '');
      const name = practitioner?.name?.[0];
      return name?.text ?? (name ? [name.family, ...(name.given ?? [])].join(' ') : p.individual?.display);
    })
    .filter(Boolean)
    .join(', ');
}
