import type { BundleEntry, MedicationRequest, Observation } from '@medplum/fhirtypes';
import { SYSTEMS } from '../../../src/station/canonical';
import { bloodPressure, visitResources, vitalSign } from '../../../src/station/model/clinical';
import { formatDate, nowDateTime, parseDate } from '../format';
import { builderTerminology } from '../terminology';
import { conditionalCreate, newClientId } from './identifiers';
import { checkVitals, EMPTY_VITALS, readNumber, type VitalNotes, type Vitals } from './vitals';

export interface Prescription {
  drug: string;
  /** Amount per dose, e.g. "1". */
  dose: string;
  /** viên, gói, ml… */
  unit: string;
  perDay: string;
  days: string;
}

export const EMPTY_PRESCRIPTION: Prescription = { drug: '', dose: '1', unit: 'viên', perDay: '2', days: '5' };

/** The examination register's fields, as typed. */
export interface VisitForm {
  date: string;
  time: string;
  class: 'AMB' | 'HH';
  specialty: string;
  symptoms: string;
  vitals: Vitals;
  findings: string;
  /** ICD-10 codes, the first being the main diagnosis. */
  diagnoses: string[];
  treatment: string;
  prescriptions: Prescription[];
  advice: string;
  examiner: string;
}

export function emptyVisit(now: Date = new Date(), examiner = '', specialty = 'noi'): VisitForm {
  const local = nowDateTime(now);
  return { date: formatDate(local.slice(0, 10)), time: local.slice(11, 16), class: 'AMB', specialty, symptoms: '', vitals: { ...EMPTY_VITALS }, findings: '', diagnoses: [], treatment: '', prescriptions: [], advice: '', examiner };
}

export type VisitProblems = Partial<Record<'date' | 'time' | 'symptoms' | 'diagnoses' | 'treatment' | 'examiner' | 'prescriptions', string>>;

/** What blocks saving (errors) and what the examiner should look at (vital-sign warnings). */
export function checkVisit(form: VisitForm, ageMonths: number, submitting: boolean): { problems: VisitProblems; vitals: VitalNotes } {
  const problems: VisitProblems = {};
  const day = parseDate(form.date);
  if (!day) problems.date = 'Ngày khám viết dạng ngày/tháng/năm';
  else if (`${day}T${form.time}` > nowDateTime().slice(0, 16)) problems.date = 'Ngày giờ khám ở tương lai';
  if (!/^([01]\d|2[0-3]):[0-5]\d$/.test(form.time)) problems.time = 'Giờ khám dạng gg:pp, ví dụ 08:30';
  if (submitting) {
    if (!form.symptoms.trim()) problems.symptoms = 'Cần lý do khám / triệu chứng (cột 9 sổ A1)';
    if (!form.diagnoses.length) problems.diagnoses = 'Cần ít nhất một chẩn đoán ICD-10 (cột 10)';
    if (!form.treatment.trim()) problems.treatment = 'Cần ghi xử trí (cột 11)';
    if (!form.examiner) problems.examiner = 'Cần chọn người khám (cột 12)';
  }
  const badRx = form.prescriptions.findIndex((p) => p.drug.trim() && [p.dose, p.perDay, p.days].some((n) => !(readNumber(n)! > 0)));
  if (badRx >= 0) problems.prescriptions = `Thuốc thứ ${badRx + 1}: liều, số lần mỗi ngày và số ngày phải là số lớn hơn 0`;
  return { problems, vitals: checkVitals(form.vitals, ageMonths) };
}


/** What a waiting visit shows before the server has it. */
export interface VisitPreview {
  start: string;
  symptoms: string;
  diagnoses: string[];
  treatment: string;
}

/**
 * The visit as one transaction: the Encounter, a Condition per diagnosis, the vital signs, the
 * findings and the prescriptions, each a conditional create on its own client-made identifier.
 */
export function visitEntries(form: VisitForm, patientRef: string, examiner: { reference: string; display: string }, stationRef?: string): { key: string; entries: BundleEntry[]; preview: VisitPreview } {
  const start = `${parseDate(form.date)}T${form.time}:00${nowDateTime().slice(19)}`;
  const encounterId = newClientId();
  const conditionIds = form.diagnoses.map(() => newClientId());
  const { encounter, conditions } = visitResources(
    { patientRef, examiner, stationRef, start, class: form.class, specialty: form.specialty, symptoms: form.symptoms.trim(), diagnoses: form.diagnoses, treatment: form.treatment.trim() || undefined, note: form.advice.trim() || undefined },
    builderTerminology,
    conditionIds,
  );
  const entries = [conditionalCreate(encounter, encounterId), ...conditions.map((c, i) => conditionalCreate(c, conditionIds[i]))];
  for (const observation of [...vitalObservations(form.vitals, patientRef, start, encounterId), ...findings(form, patientRef, start, encounterId)]) {
    entries.push(conditionalCreate(observation, newClientId()));
  }
  for (const rx of form.prescriptions.filter((p) => p.drug.trim())) entries.push(conditionalCreate(medicationRequest(rx, patientRef, encounterId, start, examiner), newClientId()));
  return { key: encounterId, entries, preview: { start, symptoms: form.symptoms.trim(), diagnoses: form.diagnoses, treatment: form.treatment.trim() } };
}

const LOINC: Partial<Record<keyof Vitals, string>> = { pulse: '8867-4', temperature: '8310-5', respiratory: '9279-1', spo2: '59408-5', weight: '29463-7', height: '8302-2' };

function vitalObservations(vitals: Vitals, patientRef: string, when: string, encounterRef: string): Observation[] {
  const list: Observation[] = [];
  const systolic = readNumber(vitals.systolic);
  const diastolic = readNumber(vitals.diastolic);
  if (systolic !== undefined && diastolic !== undefined) list.push(bloodPressure(patientRef, when, systolic, diastolic, encounterRef));
  for (const [key, loinc] of Object.entries(LOINC) as [keyof Vitals, string][]) {
    const value = readNumber(vitals[key]);
    if (value !== undefined) list.push(vitalSign(patientRef, when, loinc, value, encounterRef));
  }
  return list;
}

/** Examination findings as a narrative exam Observation (LOINC 29545-1 Physical findings). */
function findings(form: VisitForm, patientRef: string, when: string, encounterRef: string): Observation[] {
  if (!form.findings.trim()) return [];
  return [
    {
      resourceType: 'Observation',
      status: 'final',
      category: [{ coding: [{ system: SYSTEMS.observationCategory, code: 'exam' }] }],
      code: { coding: [{ system: SYSTEMS.loinc, code: '29545-1', display: 'Physical findings' }], text: 'Khám thực thể' },
      subject: { reference: patientRef },
      encounter: { reference: encounterRef },
      effectiveDateTime: when,
      valueString: form.findings.trim(),
    },
  ];
}

/** "1 viên × 3 lần/ngày × 5 ngày" */
export const dosageText = (p: Prescription): string => `${p.dose} ${p.unit} × ${p.perDay} lần/ngày × ${p.days} ngày`;

function medicationRequest(p: Prescription, patientRef: string, encounterRef: string, when: string, examiner: { reference: string; display: string }): MedicationRequest {
  const days = { value: readNumber(p.days)!, unit: 'ngày', system: SYSTEMS.ucum, code: 'd' };
  return {
    resourceType: 'MedicationRequest',
    status: 'active',
    intent: 'order',
    medicationCodeableConcept: { text: p.drug.trim() },
    subject: { reference: patientRef },
    encounter: { reference: encounterRef },
    authoredOn: when,
    requester: examiner,
    dosageInstruction: [
      {
        text: dosageText(p),
        timing: { repeat: { frequency: readNumber(p.perDay)!, period: 1, periodUnit: 'd', boundsDuration: days } },
        doseAndRate: [{ doseQuantity: { value: readNumber(p.dose)!, unit: p.unit } }],
      },
    ],
    dispenseRequest: { expectedSupplyDuration: days },
  };
}
