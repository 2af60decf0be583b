import type { CodeableConcept } from '@medplum/fhirtypes';
import { CS } from '../station/canonical';
import type { StationConfig } from '../station/config';
import { DATA_ABSENT, GENDER_SYSTEM, REPORT_CS } from './canonical';

/** How strata are named in MeasureReports (codes) and on the page (Vietnamese). */

export const SEX_LABEL: Record<string, string> = { male: 'Nam', female: 'Nữ', other: 'Khác', unknown: 'Không rõ' };
export const AGE_LABEL: Record<string, string> = { '0-4': 'Dưới 5 tuổi', '5-17': '5–17 tuổi', '18-59': '18–59 tuổi', '60+': 'Từ 60 tuổi', unknown: 'Không rõ tuổi' };
const SEX_EN: Record<string, string> = { male: 'Male', female: 'Female', other: 'Other', unknown: 'Unknown' };

export function villageName(station: StationConfig, code: string): string {
  return code === 'unknown' ? 'Không rõ thôn' : (station.villages.find((v) => v.code === code)?.name ?? code);
}

export function villageConcept(station: StationConfig, code: string): CodeableConcept {
  const text = villageName(station, code);
  if (code === 'unknown') return { coding: [{ system: DATA_ABSENT, code: 'unknown', display: 'Unknown' }], text };
  return { coding: [{ system: CS.village, code, display: text }], text };
}

export const sexConcept = (code: string): CodeableConcept => ({ coding: [{ system: GENDER_SYSTEM, code, display: SEX_EN[code] }], text: SEX_LABEL[code] });

export const ageConcept = (code: string): CodeableConcept => ({ coding: [{ system: REPORT_CS.ageGroup, code }], text: AGE_LABEL[code] });

export const stratifierConcept = (code: string, text: string): CodeableConcept => ({ coding: [{ system: REPORT_CS.stratifier, code }], text });
