import type { Condition, Encounter, Extension, Immunization, Observation, Quantity } from '@medplum/fhirtypes';
import { CS, EXT, PROFILE, SYSTEMS } from '../canonical';
import { stuntingStatus, type HeightForAge } from '../growth/zscore';
import type { StationTerminology } from '../rules/terminology';
import { BP_DIASTOLIC, BP_PANEL, BP_SYSTOLIC, VITAL_SIGNS } from '../rules/vital-signs';

/** Builders for visits, diagnoses, vital signs, growth and immunisations, shaped to the station profiles. */

export type VisitClass = 'AMB' | 'HH' | 'VR';
const CLASS_DISPLAY: Record<VisitClass, string> = { AMB: 'ambulatory', HH: 'home health', VR: 'virtual' };

export interface VisitInput {
  patientRef: string;
  /** Practitioner reference and/or display name of the examiner. */
  examiner: { reference?: string; display: string };
  stationRef?: string;
  start: string;
  end?: string;
  class: VisitClass;
  specialty: string;
  symptoms: string;
  /** ICD-10 codes, the first being the main diagnosis. */
  diagnoses: string[];
  treatment?: string;
  note?: string;
  status?: Encounter['status'];
}

/** One visit = one Encounter of one specialty, and a Condition per ICD-10 diagnosis (references filled by the caller). */
export function visitResources(input: VisitInput, t: StationTerminology, conditionRefs: string[]): { encounter: Encounter; conditions: Condition[] } {
  const icd = (code: string): { system: string; code: string; display?: string } => ({ system: SYSTEMS.icd10, code, display: t.icd10.get(code)?.display });
  const encounter: Encounter = {
    resourceType: 'Encounter',
    meta: { profile: [PROFILE.visit] },
    status: input.status ?? 'finished',
    class: { system: SYSTEMS.v3ActCode, code: input.class, display: CLASS_DISPLAY[input.class] },
    serviceType: { coding: [{ system: CS.examSpecialty, code: input.specialty, display: t.display(CS.examSpecialty, input.specialty) }] },
    subject: { reference: input.patientRef },
    participant: [{ type: [{ coding: [{ system: SYSTEMS.v3ParticipationType, code: 'PPRF' }] }], individual: input.examiner }],
    period: { start: input.start, end: input.end },
    // Remote visits carry the working diagnosis as a coded reason so the Circular 30 list can be checked.
    reasonCode: [{ text: input.symptoms, coding: input.class === 'VR' ? [icd(input.diagnoses[0])] : undefined }],
    // R4's JSON has no empty arrays: a visit without diagnoses (cancelled, still open) leaves them out.
    diagnosis: input.diagnoses.length
      ? input.diagnoses.map((_, i) => ({
          condition: { reference: conditionRefs[i] },
          use: { coding: [{ system: SYSTEMS.diagnosisRole, code: 'AD' }] },
          rank: i + 1,
        }))
      : undefined,
    serviceProvider: input.stationRef ? { reference: input.stationRef } : undefined,
  };
  const extension: Extension[] = [];
  if (input.treatment) extension.push({ url: EXT.treatment, valueString: input.treatment });
  if (input.note) extension.push({ url: EXT.visitNote, valueString: input.note });
  if (extension.length) encounter.extension = extension;
  const conditions = input.diagnoses.map(
    (code): Condition => ({
      resourceType: 'Condition',
      meta: { profile: [PROFILE.diagnosis] },
      clinicalStatus: { coding: [{ system: SYSTEMS.conditionClinical, code: 'active' }] },
      category: [{ coding: [{ system: SYSTEMS.conditionCategory, code: 'encounter-diagnosis' }] }],
      code: { coding: [icd(code)] },
      subject: { reference: input.patientRef },
      recordedDate: input.start,
    }),
  );
  return { encounter, conditions };
}

function quantity(value: number, unit: string): Quantity {
  return { value, unit, system: SYSTEMS.ucum, code: unit };
}

function vitalBase(patientRef: string, when: string, loinc: string, display: string, encounterRef?: string): Observation {
  return {
    resourceType: 'Observation',
    meta: { profile: [PROFILE.vitalSign] },
    status: 'final',
    category: [{ coding: [{ system: SYSTEMS.observationCategory, code: 'vital-signs' }] }],
    code: { coding: [{ system: SYSTEMS.loinc, code: loinc, display }] },
    subject: { reference: patientRef },
    encounter: encounterRef ? { reference: encounterRef } : undefined,
    effectiveDateTime: when,
  };
}

/** A single-valued vital sign (heart rate, weight, height, waist…) in its UCUM unit. */
export function vitalSign(patientRef: string, when: string, loinc: string, value: number, encounterRef?: string): Observation {
  const sign = VITAL_SIGNS.find((v) => v.loinc === loinc);
  if (!sign) throw new Error(`Not a station vital sign: ${loinc}`);
  return { ...vitalBase(patientRef, when, loinc, sign.vi, encounterRef), valueQuantity: quantity(value, sign.units[0]) };
}

/** A blood-pressure panel 85354-9 with systolic and diastolic components. */
export function bloodPressure(patientRef: string, when: string, systolic: number, diastolic: number, encounterRef?: string): Observation {
  return {
    ...vitalBase(patientRef, when, BP_PANEL, 'Huyết áp', encounterRef),
    component: [
      { code: { coding: [{ system: SYSTEMS.loinc, code: BP_SYSTOLIC.loinc, display: BP_SYSTOLIC.vi }] }, valueQuantity: quantity(systolic, 'mm[Hg]') },
      { code: { coding: [{ system: SYSTEMS.loinc, code: BP_DIASTOLIC.loinc, display: BP_DIASTOLIC.vi }] }, valueQuantity: quantity(diastolic, 'mm[Hg]') },
    ],
  };
}

/** The height-for-age z-score derived from a height observation. */
export function heightForAgeObservation(patientRef: string, when: string, heightRef: string, result: HeightForAge): Observation {
  const status = stuntingStatus(result.z);
  const code = status === 'normal' ? 'stunting-none' : `stunting-${status}`;
  return {
    resourceType: 'Observation',
    meta: { profile: [PROFILE.growthZScore] },
    status: 'final',
    category: [{ coding: [{ system: SYSTEMS.observationCategory, code: 'exam' }] }],
    code: { coding: [{ system: CS.growth, code: 'haz', display: 'Chỉ số Z chiều cao (chiều dài) theo tuổi' }] },
    subject: { reference: patientRef },
    effectiveDateTime: when,
    valueQuantity: { value: result.z, unit: 'SD', system: SYSTEMS.ucum, code: '{SD}' },
    interpretation: [{ coding: [{ system: CS.growth, code }] }],
    method: { text: result.reference === 'WHO-2006' ? 'Chuẩn tăng trưởng WHO 2006' : 'Tham chiếu tăng trưởng WHO 2007' },
    derivedFrom: [{ reference: heightRef }],
    note: result.flagged ? [{ text: 'Giá trị bất thường (|Z| > 6): kiểm tra lại số đo / implausible value' }] : undefined,
  };
}

/** One EPI dose. */
export function immunizationResource(patientRef: string, vaccine: string, dose: number, when: string, t: StationTerminology): Immunization {
  return {
    resourceType: 'Immunization',
    meta: { profile: [PROFILE.immunization] },
    status: 'completed',
    vaccineCode: { coding: [{ system: CS.epiVaccine, code: vaccine, display: t.display(CS.epiVaccine, vaccine) }] },
    patient: { reference: patientRef },
    occurrenceDateTime: when,
    primarySource: true,
    protocolApplied: [{ series: 'TCMR', doseNumberPositiveInt: dose }],
  };
}
