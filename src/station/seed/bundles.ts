import type { Bundle, Coding, Resource } from '@medplum/fhirtypes';
import type { StationConfig } from '../config';
import { TransactionBuilder } from '../model/bundle';
import { bloodPressure, immunizationResource, visitResources, vitalSign } from '../model/clinical';
import { carerResource, householdResource, residentResource, stationNumber } from '../model/person';
import { bhytCoverage, enrolmentResource } from '../model/records';
import type { StationTerminology } from '../rules/terminology';
import { STAFF } from './catalogue';
import type { CarePlan, VisitPlan } from './care';
import type { HouseholdPlan, PersonPlan } from './population';
import { ageOn, type Random } from './random';

/** HL7's security label for test data: every seeded resource says it is synthetic. */
export const SYNTHETIC: Coding = { system: 'http://terminology.hl7.org/CodeSystem/v3-ActReason', code: 'HTEST', display: 'test health data' };

export interface SeedRefs {
  organization: string;
  /** Practitioner references, in the order of STAFF. */
  staff: string[];
}

export interface BundleContext {
  config: StationConfig;
  terminology: StationTerminology;
  refs: SeedRefs;
  asOf: string;
  random: Random;
}

/** One transaction per household: its people, the household, carers, cards, enrolments and care. */
export function householdBundle(ctx: BundleContext, household: HouseholdPlan, care: CarePlan[], firstNumber: number): Bundle {
  const tx = new TransactionBuilder(() => ctx.random.uuid());
  const add = (resource: Resource): string => tx.add({ ...resource, meta: { ...resource.meta, security: [SYNTHETIC] } } as Resource);
  const refs = household.members.map((person, i) => add(resident(ctx, household, person, firstNumber + i)));
  add(
    householdResource(
      household.code,
      `Hộ ${household.members[0].name}`,
      household.members.map((m, i) => ({ patientRef: refs[i], role: m.role, start: m.residenceStart, end: m.residenceEnd })),
    ),
  );
  household.members.forEach((person, i) => {
    const carer = carerFor(ctx, household, person);
    if (carer) add(carerResource(refs[i], carer.name, carer.sex, carer.role, carer.phone, carer.cccd));
    addCare(ctx, add, person, refs[i], care[i]);
  });
  return tx.bundle();
}

function resident(ctx: BundleContext, household: HouseholdPlan, p: PersonPlan, number: number): Resource {
  return residentResource(ctx.config, {
    name: p.name,
    sex: p.sex,
    birthDate: p.birthDate,
    ethnicCode: p.ethnicCode,
    cccd: p.cccd,
    stationNumber: stationNumber(ctx.config, number),
    occupationCode: p.occupationCode,
    religionCode: p.religion,
    phone: p.phone,
    residences: [{ village: household.village, type: p.residenceType, start: p.residenceStart, end: p.residenceEnd }],
  });
}

const CHILD_CARER: Record<'male' | 'female', { code: string; display: string }> = { female: { code: 'MTH', display: 'mother' }, male: { code: 'FTH', display: 'father' } };
const ELDER_CARER: Record<'male' | 'female', { code: string; display: string }> = { female: { code: 'DAU', display: 'daughter' }, male: { code: 'SON', display: 'son' } };

/** Under-6s have a parent as carer; people of 80 and over an adult child living with them. */
function carerFor(ctx: BundleContext, household: HouseholdPlan, p: PersonPlan): { name: string; sex: 'male' | 'female'; role: { code: string; display: string }; phone?: string; cccd?: string } | undefined {
  const age = ageOn(p.birthDate, ctx.asOf);
  const adults = household.members.filter((m) => m !== p && ageOn(m.birthDate, ctx.asOf) >= 18);
  let carer: PersonPlan | undefined;
  let role: { code: string; display: string } | undefined;
  if (age < 6) {
    carer = adults.find((m) => m.role === 'vo-chong' && m.sex === 'female') ?? adults.find((m) => m.role === 'chu-ho' || m.role === 'vo-chong');
    role = carer && CHILD_CARER[carer.sex];
  } else if (age >= 80) {
    carer = adults.find((m) => m.role === 'con' && ageOn(m.birthDate, ctx.asOf) < 65);
    role = carer && ELDER_CARER[carer.sex];
  }
  return carer && role ? { name: carer.name, sex: carer.sex, role, phone: carer.phone, cccd: carer.cccd } : undefined;
}

function addCare(ctx: BundleContext, add: (r: Resource) => string, p: PersonPlan, patientRef: string, care: CarePlan): void {
  const { terminology: t, refs } = ctx;
  if (care.coverage) {
    const c = care.coverage;
    const facility = c.atStation
      ? { code: ctx.config.station.facilityCode, name: ctx.config.station.name, reference: refs.organization }
      : { code: '38000', name: 'Trung tâm Y tế khu vực (giả lập)' };
    add(bhytCoverage({ patientRef, cardCode: c.cardCode, personalId: p.cccd, start: c.start, end: c.end, facility }, t));
  }
  for (const e of care.enrolments) {
    add(enrolmentResource({ patientRef, ...e, recordedBy: { reference: refs.staff[4], display: STAFF[4].name }, recordedOn: e.enrolledOn }, t));
  }
  for (const visit of care.visits) addVisit(ctx, add, patientRef, visit);
  for (const dose of care.immunizations) {
    add({ ...immunizationResource(patientRef, dose.vaccine, dose.dose, dose.when, t), performer: [{ actor: { reference: refs.staff[4] } }] } as Resource);
  }
  for (const g of care.growth) {
    const when = `${g.date}T08:00:00+07:00`;
    // The server derives the z-score from the height (growth/derive.ts), as for any height recorded.
    add(vitalSign(patientRef, when, g.lying ? '8306-3' : '8302-2', g.heightCm));
    add(vitalSign(patientRef, when, '29463-7', g.weightKg));
  }
}

function addVisit(ctx: BundleContext, add: (r: Resource) => string, patientRef: string, v: VisitPlan): void {
  const staff = STAFF[v.staff];
  const { encounter, conditions } = visitResources(
    {
      patientRef,
      examiner: { reference: ctx.refs.staff[v.staff], display: staff.name },
      stationRef: ctx.refs.organization,
      start: v.start,
      end: v.end,
      class: v.class,
      specialty: v.complaints[0].specialty,
      symptoms: v.complaints.map((c) => c.symptoms).join('; '),
      diagnoses: v.complaints.map((c) => c.code),
      treatment: v.complaints.map((c) => c.treatment).join('; '),
    },
    ctx.terminology,
    [],
  );
  const conditionRefs = conditions.map((c) => add(c));
  encounter.diagnosis!.forEach((d, i) => (d.condition.reference = conditionRefs[i]));
  const encounterRef = add(encounter);
  for (const vital of v.vitals) {
    add('systolic' in vital ? bloodPressure(patientRef, v.start, vital.systolic, vital.diastolic, encounterRef) : vitalSign(patientRef, v.start, vital.loinc, vital.value, encounterRef));
  }
}
