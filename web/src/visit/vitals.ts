import { BP_DIASTOLIC, BP_SYSTOLIC, VITAL_SIGNS, type VitalSign } from '../../../src/station/rules/vital-signs';

/**
 * The vital signs entered at a visit, and what to say about each value. Two kinds of message:
 *  - errors: outside the range in which a value is surely a typing error (the server's own range,
 *    src/station/rules/vital-signs.ts) — the visit cannot be saved so;
 *  - warnings: plausible but abnormal, for the examiner's attention (saved as typed).
 * Warning thresholds: hypertension ≥ 140/90 mmHg, severe ≥ 180/110 (Ministry of Health guideline
 * 3192/QĐ-BYT 2010); fever ≥ 37.5 °C; SpO2 < 94 %; fast breathing by age as WHO IMCI counts it
 * (≥ 60/min under 2 months, ≥ 50 at 2–11 months, ≥ 40 at 1–4 years, > 20 for adults); resting
 * pulse by age; BMI with the Asian cut-offs (< 18.5 underweight, ≥ 23 overweight, ≥ 25 obese).
 */

export type VitalKey = 'pulse' | 'temperature' | 'systolic' | 'diastolic' | 'respiratory' | 'weight' | 'height' | 'spo2';

export interface VitalField {
  key: VitalKey;
  label: string;
  unit: string;
  sign: VitalSign;
}

const sign = (loinc: string): VitalSign => VITAL_SIGNS.find((v) => v.loinc === loinc)!;

export const VITAL_FIELDS: readonly VitalField[] = [
  { key: 'pulse', label: 'Mạch', unit: 'lần/phút', sign: sign('8867-4') },
  { key: 'temperature', label: 'Nhiệt độ', unit: '°C', sign: sign('8310-5') },
  { key: 'systolic', label: 'Huyết áp tâm thu', unit: 'mmHg', sign: BP_SYSTOLIC },
  { key: 'diastolic', label: 'Huyết áp tâm trương', unit: 'mmHg', sign: BP_DIASTOLIC },
  { key: 'respiratory', label: 'Nhịp thở', unit: 'lần/phút', sign: sign('9279-1') },
  { key: 'spo2', label: 'SpO2', unit: '%', sign: sign('59408-5') },
  { key: 'weight', label: 'Cân nặng', unit: 'kg', sign: sign('29463-7') },
  { key: 'height', label: 'Chiều cao', unit: 'cm', sign: sign('8302-2') },
];

export type Vitals = Record<VitalKey, string>;

export const EMPTY_VITALS: Vitals = { pulse: '', temperature: '', systolic: '', diastolic: '', respiratory: '', weight: '', height: '', spo2: '' };

/** A number typed the Vietnamese way (36,5) or the other (36.5); undefined when empty, NaN when not a number. */
export function readNumber(text: string): number | undefined {
  const t = text.trim().replace(',', '.');
  if (!t) return undefined;
  return /^\d+(\.\d+)?$/.test(t) ? Number(t) : NaN;
}

export interface VitalNotes {
  errors: Partial<Record<VitalKey, string>>;
  warnings: Partial<Record<VitalKey, string>>;
  bmi?: { value: number; note?: string };
}

/** Errors and warnings for the values typed, for a person of `ageMonths`. */
export function checkVitals(vitals: Vitals, ageMonths: number): VitalNotes {
  const notes: VitalNotes = { errors: {}, warnings: {} };
  const value: Partial<Record<VitalKey, number>> = {};
  for (const f of VITAL_FIELDS) {
    const n = readNumber(vitals[f.key]);
    if (n === undefined) continue;
    if (Number.isNaN(n)) notes.errors[f.key] = 'Chỉ nhập số, ví dụ 36,5';
    else if (n < f.sign.min || n > f.sign.max) notes.errors[f.key] = `Ngoài khoảng ${f.sign.min}–${f.sign.max} ${f.unit}: hãy đo hoặc nhập lại`;
    else value[f.key] = n;
  }
  if ((value.systolic === undefined) !== (value.diastolic === undefined) && !notes.errors.systolic && !notes.errors.diastolic) {
    notes.errors[value.systolic === undefined ? 'systolic' : 'diastolic'] = 'Cần cả huyết áp tâm thu và tâm trương';
  }
  if (value.systolic !== undefined && value.diastolic !== undefined && value.systolic <= value.diastolic) notes.errors.systolic = 'Tâm thu phải lớn hơn tâm trương';
  warn(notes, value, ageMonths);
  if (value.weight !== undefined && value.height !== undefined && ageMonths >= 24) {
    const bmi = Math.round((value.weight / (value.height / 100) ** 2) * 10) / 10;
    notes.bmi = { value: bmi, note: ageMonths >= 18 * 12 ? (bmi < 18.5 ? 'gầy' : bmi >= 25 ? 'béo phì' : bmi >= 23 ? 'thừa cân' : undefined) : undefined };
  }
  return notes;
}

function warn(notes: VitalNotes, v: Partial<Record<VitalKey, number>>, ageMonths: number): void {
  const set = (key: VitalKey, text: string): void => {
    if (!notes.errors[key]) notes.warnings[key] = text;
  };
  const adult = ageMonths >= 18 * 12;
  if (adult && v.systolic !== undefined && v.diastolic !== undefined) {
    if (v.systolic >= 180 || v.diastolic >= 110) set('systolic', 'Tăng huyết áp nặng: cần xử trí ngay');
    else if (v.systolic >= 140 || v.diastolic >= 90) set('systolic', 'Huyết áp cao (≥ 140/90)');
    else if (v.systolic < 90) set('systolic', 'Huyết áp thấp');
  }
  if (v.temperature !== undefined) {
    if (v.temperature >= 39) set('temperature', 'Sốt cao');
    else if (v.temperature >= 37.5) set('temperature', 'Sốt');
    else if (v.temperature < 35.5) set('temperature', 'Thân nhiệt thấp');
  }
  if (v.spo2 !== undefined && v.spo2 < 94) set('spo2', v.spo2 < 90 ? 'SpO2 rất thấp: cần xử trí ngay' : 'SpO2 thấp');
  if (v.respiratory !== undefined) {
    const fast = ageMonths < 2 ? 60 : ageMonths < 12 ? 50 : ageMonths < 60 ? 40 : adult ? 21 : 30;
    if (v.respiratory >= fast) set('respiratory', `Thở nhanh (từ ${fast} lần/phút ở tuổi này)`);
  }
  if (v.pulse !== undefined) {
    const [low, high] = ageMonths < 12 ? [100, 160] : ageMonths < 72 ? [80, 140] : ageMonths < 144 ? [70, 120] : [50, 100];
    if (v.pulse > high) set('pulse', `Mạch nhanh (trên ${high} ở tuổi này)`);
    else if (v.pulse < low) set('pulse', `Mạch chậm (dưới ${low} ở tuổi này)`);
  }
}
