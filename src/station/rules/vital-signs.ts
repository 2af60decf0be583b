import type { Observation, Quantity } from '@medplum/fhirtypes';
import { CS, SYSTEMS } from '../canonical';
import { PLAUSIBLE_Z, stuntingStatus } from '../growth/zscore';
import { error, missing, type Issue } from './issues';

/**
 * Vital signs and body measurements the station records: the LOINC codes and UCUM units of the FHIR
 * vital-signs profiles (plus waist 8280-0 and the birth measurements of the health record, part B),
 * with a range outside which a value is surely a typing error.
 */
export interface VitalSign {
  loinc: string;
  vi: string;
  units: string[];
  min: number;
  max: number;
}

export const VITAL_SIGNS: readonly VitalSign[] = [
  { loinc: '8867-4', vi: 'Mạch', units: ['/min'], min: 20, max: 250 },
  { loinc: '9279-1', vi: 'Nhịp thở', units: ['/min'], min: 4, max: 100 },
  { loinc: '8310-5', vi: 'Nhiệt độ', units: ['Cel'], min: 30, max: 44 },
  { loinc: '29463-7', vi: 'Cân nặng', units: ['kg'], min: 0.3, max: 250 },
  { loinc: '8302-2', vi: 'Chiều cao', units: ['cm'], min: 30, max: 230 },
  { loinc: '8306-3', vi: 'Chiều dài nằm', units: ['cm'], min: 30, max: 130 },
  { loinc: '39156-5', vi: 'Chỉ số khối cơ thể (BMI)', units: ['kg/m2'], min: 7, max: 80 },
  { loinc: '2708-6', vi: 'SpO2', units: ['%'], min: 40, max: 100 },
  { loinc: '59408-5', vi: 'SpO2 (đo mạch)', units: ['%'], min: 40, max: 100 },
  { loinc: '9843-4', vi: 'Vòng đầu', units: ['cm'], min: 20, max: 70 },
  { loinc: '8280-0', vi: 'Vòng eo', units: ['cm'], min: 30, max: 200 },
  { loinc: '8339-4', vi: 'Cân nặng lúc sinh', units: ['g'], min: 300, max: 7000 },
  { loinc: '89269-5', vi: 'Chiều dài lúc sinh', units: ['cm'], min: 25, max: 65 },
];

export const BP_PANEL = '85354-9';
export const BP_SYSTOLIC: VitalSign = { loinc: '8480-6', vi: 'Huyết áp tâm thu', units: ['mm[Hg]'], min: 40, max: 300 };
export const BP_DIASTOLIC: VitalSign = { loinc: '8462-4', vi: 'Huyết áp tâm trương', units: ['mm[Hg]'], min: 20, max: 200 };

const BY_LOINC = new Map(VITAL_SIGNS.map((v) => [v.loinc, v]));

const loincOf = (concept: Observation['code'] | undefined): string | undefined => concept?.coding?.find((c) => c.system === SYSTEMS.loinc)?.code;

function quantityIssues(q: Quantity | undefined, sign: VitalSign, path: string): Issue[] {
  if (q?.value === undefined) return [missing(`giá trị ${sign.vi.toLowerCase()}`, `${sign.loinc} value`, path)];
  if (q.system !== SYSTEMS.ucum || !q.code || !sign.units.includes(q.code)) {
    return [error(`${sign.vi} phải ghi theo đơn vị UCUM ${sign.units.join(' hoặc ')} (system ${SYSTEMS.ucum})`, `${sign.loinc} needs UCUM unit ${sign.units.join(' or ')}`, path, 'value')];
  }
  if (q.value < sign.min || q.value > sign.max) {
    return [error(`${sign.vi} ${q.value} ${q.code} nằm ngoài khoảng ${sign.min}–${sign.max}: hãy kiểm tra lại số đo`, `${sign.loinc} value ${q.value} is outside ${sign.min}–${sign.max}`, path, 'value')];
  }
  return [];
}

/** A vital sign or body measurement of the station. */
export function vitalSignIssues(o: Observation): Issue[] {
  const issues: Issue[] = [];
  if (!o.subject?.reference?.startsWith('Patient/')) issues.push(missing('người được đo (Patient)', 'Subject (a Patient)', 'Observation.subject'));
  if (!o.effectiveDateTime) issues.push(missing('thời điểm đo', 'Measurement time (effectiveDateTime)', 'Observation.effective'));
  const loinc = loincOf(o.code);
  if (loinc === BP_PANEL) return [...issues, ...bloodPressureIssues(o)];
  const sign = loinc ? BY_LOINC.get(loinc) : undefined;
  if (!sign) {
    const known = [BP_PANEL, ...BY_LOINC.keys()].join(', ');
    return [...issues, error(`Mã LOINC "${loinc ?? ''}" không phải dấu hiệu sinh tồn của trạm: dùng một trong ${known}`, `LOINC "${loinc ?? ''}" is not a station vital sign; use one of ${known}`, 'Observation.code', 'code-invalid')];
  }
  return [...issues, ...quantityIssues(o.valueQuantity, sign, 'Observation.valueQuantity')];
}

function bloodPressureIssues(o: Observation): Issue[] {
  const [systolic, diastolic] = [BP_SYSTOLIC, BP_DIASTOLIC].map((sign) => ({ sign, index: (o.component ?? []).findIndex((c) => loincOf(c.code) === sign.loinc) }));
  const issues = [systolic, diastolic].flatMap(({ sign, index }) => {
    if (index < 0) return [missing(`${sign.vi.toLowerCase()} (component LOINC ${sign.loinc})`, `${sign.loinc} component`, 'Observation.component')];
    return quantityIssues(o.component![index].valueQuantity, sign, `Observation.component[${index}].valueQuantity`);
  });
  if (issues.length) return issues;
  // Each number alone may be plausible, yet a diastolic pressure never reaches the systolic one:
  // 120/180 is a pair typed the wrong way round, and would feed the hypertension warnings and charts.
  const sys = o.component![systolic.index].valueQuantity!.value!;
  const dia = o.component![diastolic.index].valueQuantity!.value!;
  if (dia < sys) return [];
  return [
    error(
      `Huyết áp tâm trương ${dia} mmHg không thể bằng hoặc cao hơn huyết áp tâm thu ${sys} mmHg: hãy kiểm tra xem hai số có bị ghi đảo không`,
      `Diastolic ${dia} mm[Hg] must be below systolic ${sys} mm[Hg]: check whether the two were swapped`,
      `Observation.component[${diastolic.index}].valueQuantity`,
      'value',
    ),
  ];
}

/** A height-for-age z-score: a number, the height it came from, and the matching stunting class. */
export function growthZScoreIssues(o: Observation): Issue[] {
  const issues: Issue[] = [];
  const z = o.valueQuantity?.value;
  if (z === undefined) issues.push(missing('chỉ số Z', 'The z-score value', 'Observation.valueQuantity'));
  else if (Math.abs(z) > PLAUSIBLE_Z) {
    issues.push(error(`Chỉ số Z ${z} nằm ngoài khoảng −${PLAUSIBLE_Z} đến ${PLAUSIBLE_Z}`, `z-score ${z} is outside −${PLAUSIBLE_Z} to ${PLAUSIBLE_Z}`, 'Observation.valueQuantity', 'value'));
  }
  if (!o.derivedFrom?.length) issues.push(missing('quan sát chiều cao đã dùng để tính (derivedFrom)', 'The height observation it derives from', 'Observation.derivedFrom'));
  const status = o.interpretation?.flatMap((i) => i.coding ?? []).find((c) => c.system === CS.growth)?.code;
  if (z !== undefined && status !== `stunting-${stuntingStatus(z) === 'normal' ? 'none' : stuntingStatus(z)}`) {
    issues.push(error(`Phân loại thấp còi (${status ?? 'không có'}) không khớp với chỉ số Z ${z}`, `Stunting class ${status ?? '(none)'} does not match z = ${z}`, 'Observation.interpretation'));
  }
  return issues;
}
