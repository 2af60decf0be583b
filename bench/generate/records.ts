import type { Condition, Encounter, Immunization, MedicationRequest, Observation, Resource } from '@medplum/fhirtypes';
import type { Random } from '../../src/station/seed/random';

/**
 * A resident's clinical record, about 20 resources: visits (Encounter) after the birth date, at
 * each a blood-pressure panel, weight, height (length under 2 years) and pulse (Observation), and a
 * few diagnoses, vaccinations and a prescription. Ids derive from the resident's, so every run
 * writes the same resources. A child's height and weight follow its age: the server derives a
 * height-for-age z-score from every height of a resident under 20 (one more Observation) and
 * refuses the write when that z-score is beyond ±10.
 */

const LOINC = 'http://loinc.org';
const UCUM = 'http://unitsofmeasure.org';
const ICD10 = 'http://hl7.org/fhir/sid/icd-10';
const DIAGNOSES: [string, string][] = [
  ['I10', 'Tăng huyết áp vô căn'],
  ['E11', 'Đái tháo đường không phụ thuộc insulin'],
  ['J06.9', 'Nhiễm trùng hô hấp trên cấp'],
  ['K29.7', 'Viêm dạ dày'],
  ['M54.5', 'Đau thắt lưng'],
  ['J20.9', 'Viêm phế quản cấp'],
];
const VACCINES: [string, string][] = [
  ['08', 'Viêm gan B'],
  ['20', 'DTaP'],
  ['03', 'MMR'],
  ['140', 'Cúm'],
];
export const PRACTITIONERS = 12;
export const STATION_ORG = 'tram-y-te';

export const practitionerId = (n: number): string => `bs-${n}`;

export interface RecordOptions {
  /** Visits; each adds one Encounter and four Observations. */
  visits: number;
  conditions: number;
  immunizations: number;
  prescriptions: number;
}

/** The usual mix: 3 visits (15 resources), 2 diagnoses, 2 vaccinations, 1 prescription, plus the Patient = 21. */
export const USUAL: RecordOptions = { visits: 3, conditions: 2, immunizations: 2, prescriptions: 1 };

const FIRST_VISIT = Date.UTC(2020, 0, 1);
const LAST_VISIT = Date.UTC(2024, 11, 31);
const DAY_MS = 86_400_000;

export function makeRecord(random: Random, patientId: string, birthDate: string, options: RecordOptions): Resource[] {
  const subject = { reference: `Patient/${patientId}` };
  const born = Date.parse(`${birthDate}T00:00:00Z`);
  const first = Math.max(FIRST_VISIT, born + DAY_MS);
  const out: Resource[] = [];
  for (let v = 0; v < options.visits; v++) {
    const at = first + random.int(0, Math.floor((LAST_VISIT - first) / DAY_MS)) * DAY_MS;
    const day = new Date(at).toISOString().slice(0, 10);
    const start = `${day}T${String(random.int(7, 16)).padStart(2, '0')}:${String(random.int(0, 59)).padStart(2, '0')}:00+07:00`;
    const encounterId = `${patientId}-kham-${v}`;
    const [code, text] = random.pick(DIAGNOSES);
    const encounter: Encounter = {
      resourceType: 'Encounter',
      id: encounterId,
      status: 'finished',
      class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'AMB' },
      subject,
      participant: [{ individual: { reference: `Practitioner/${practitionerId(random.int(1, PRACTITIONERS))}` } }],
      serviceProvider: { reference: `Organization/${STATION_ORG}` },
      period: { start, end: start.replace(/T(\d{2})/, (_, h: string) => `T${String(Math.min(23, Number(h) + 1)).padStart(2, '0')}`) },
      reasonCode: [{ coding: [{ system: ICD10, code }], text }],
    };
    out.push(encounter, ...vitals(random, subject, encounterId, start, (at - born) / (365.25 * DAY_MS)));
  }
  for (let c = 0; c < options.conditions; c++) out.push(condition(random, subject, `${patientId}-benh-${c}`));
  for (let i = 0; i < options.immunizations; i++) out.push(immunization(random, subject, `${patientId}-tiem-${i}`));
  for (let m = 0; m < options.prescriptions; m++) out.push(prescription(random, subject, `${patientId}-don-${m}`));
  return out;
}

// Median height (cm) and weight (kg) by age in years, roughly the WHO curves; linear in between.
const GROWTH: [number, number, number][] = [[0, 50, 3.3], [1, 75, 9.6], [2, 87, 12.2], [5, 110, 18.3], [12, 150, 40], [18, 165, 57]];

/** Height and weight at `age` years: around the median for a child (±4%, ±15%), the adult ranges from 18. */
function body(random: Random, age: number): { cm: number; kg: number } {
  if (age >= 18) return { cm: random.int(145, 180), kg: random.int(350, 850) / 10 };
  const upper = GROWTH.findIndex(([a]) => a > age);
  const [a0, cm0, kg0] = GROWTH[upper - 1];
  const [a1, cm1, kg1] = GROWTH[upper];
  const f = (age - a0) / (a1 - a0);
  const round = (x: number): number => Math.round(x * 10) / 10;
  return { cm: round((cm0 + f * (cm1 - cm0)) * (1 + random.int(-40, 40) / 1000)), kg: round((kg0 + f * (kg1 - kg0)) * (1 + random.int(-15, 15) / 100)) };
}

function vitals(random: Random, subject: { reference: string }, encounterId: string, when: string, age: number): Observation[] {
  const base = (id: string, code: string, display: string): Observation => ({
    resourceType: 'Observation',
    id: `${encounterId}-${id}`,
    status: 'final',
    category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'vital-signs' }] }],
    code: { coding: [{ system: LOINC, code, display }] },
    subject,
    encounter: { reference: `Encounter/${encounterId}` },
    effectiveDateTime: when,
  });
  const qty = (value: number, unit: string, code = unit) => ({ value, unit, system: UCUM, code });
  const systolic = random.int(95, 175);
  const { cm, kg } = body(random, age);
  return [
    {
      ...base('ha', '85354-9', 'Blood pressure panel'),
      component: [
        { code: { coding: [{ system: LOINC, code: '8480-6' }] }, valueQuantity: qty(systolic, 'mm[Hg]') },
        { code: { coding: [{ system: LOINC, code: '8462-4' }] }, valueQuantity: qty(random.int(55, Math.min(110, systolic - 20)), 'mm[Hg]') },
      ],
    },
    { ...base('can', '29463-7', 'Body weight'), valueQuantity: qty(kg, 'kg') },
    { ...(age < 2 ? base('cao', '8306-3', 'Body length') : base('cao', '8302-2', 'Body height')), valueQuantity: qty(cm, 'cm') },
    { ...base('mach', '8867-4', 'Heart rate'), valueQuantity: qty(random.int(55, 110), '/min') },
  ];
}

function condition(random: Random, subject: { reference: string }, id: string): Condition {
  const [code, text] = random.pick(DIAGNOSES);
  return {
    resourceType: 'Condition',
    id,
    clinicalStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: 'active' }] },
    verificationStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-ver-status', code: 'confirmed' }] },
    code: { coding: [{ system: ICD10, code }], text },
    subject,
    recordedDate: `${random.int(2015, 2024)}-${String(random.int(1, 12)).padStart(2, '0')}-${String(random.int(1, 28)).padStart(2, '0')}`,
  };
}

function immunization(random: Random, subject: { reference: string }, id: string): Immunization {
  const [code, text] = random.pick(VACCINES);
  return {
    resourceType: 'Immunization',
    id,
    status: 'completed',
    vaccineCode: { coding: [{ system: 'http://hl7.org/fhir/sid/cvx', code }], text },
    patient: subject,
    occurrenceDateTime: `${random.int(2000, 2024)}-${String(random.int(1, 12)).padStart(2, '0')}-${String(random.int(1, 28)).padStart(2, '0')}`,
  };
}

function prescription(random: Random, subject: { reference: string }, id: string): MedicationRequest {
  return {
    resourceType: 'MedicationRequest',
    id,
    status: 'active',
    intent: 'order',
    medicationCodeableConcept: { text: random.pick(['Amlodipin 5mg', 'Metformin 500mg', 'Paracetamol 500mg', 'Omeprazol 20mg']) },
    subject,
    requester: { reference: `Practitioner/${practitionerId(random.int(1, PRACTITIONERS))}` },
    authoredOn: `${random.int(2020, 2024)}-${String(random.int(1, 12)).padStart(2, '0')}-${String(random.int(1, 28)).padStart(2, '0')}`,
  };
}
