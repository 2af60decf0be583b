import type { Patient, Resource } from '@medplum/fhirtypes';
import { VN_CORE } from '../../src/station/canonical';
import { HA_SON } from '../../src/station/config';
import { bloodPressure, immunizationResource, visitResources, vitalSign } from '../../src/station/model/clinical';
import { carerResource, householdResource, residentResource } from '../../src/station/model/person';
import { bhytCoverage, enrolmentResource } from '../../src/station/model/records';
import { loadStationTerminology } from '../../src/station/rules/terminology';

/** Hand-made valid examples of every station profile (Hà Sơn's configuration). */
export const terminology = loadStationTerminology();
export const [CHI_PHUC, GIANG_SON_9] = HA_SON.villages;

export const resident = residentResource(HA_SON, {
  name: 'Nguyễn Thị Hoa',
  sex: 'female',
  birthDate: '1985-03-12',
  ethnicCode: '01',
  cccd: '038185001234',
  bhytCardCode: 'GD4383820012345',
  occupationCode: '05',
  occupationText: 'Làm ruộng',
  residences: [{ village: CHI_PHUC, type: 'thuong-tru', start: '2005-06-01' }],
  phone: '0912345678',
});

/** The example resident holding `cccd` as personal ID, or none (registered without the card). */
export function residentWith(cccd: string | undefined): Patient {
  const p = structuredClone(resident);
  p.identifier = p.identifier!.flatMap((i) => (i.system !== VN_CORE.nationalId ? [i] : cccd ? [{ ...i, value: cccd }] : []));
  return p;
}

export const child = residentResource(HA_SON, {
  name: 'Lê Minh Khang',
  sex: 'male',
  birthDate: '2023-07-20',
  ethnicCode: '06',
  cccd: '038223004567',
  residences: [{ village: GIANG_SON_9, type: 'tam-tru', start: '2023-07-20' }],
});

export const PATIENT = 'Patient/p1';

const visit = visitResources(
  {
    patientRef: PATIENT,
    examiner: { display: 'BS. Trần Văn Nam' },
    start: '2025-09-03T08:15:00+07:00',
    class: 'AMB',
    specialty: 'noi',
    symptoms: 'Sốt nhẹ, ho, chảy nước mũi 2 ngày',
    diagnoses: ['J00', 'R05'],
    treatment: 'Paracetamol 500 mg × 3 ngày; súc miệng nước muối',
  },
  terminology,
  ['Condition/c1', 'Condition/c2'],
);

export const examples: Record<string, Resource> = {
  resident,
  child,
  carer: carerResource(PATIENT, 'Lê Văn Tùng', 'male', { code: 'FTH', display: 'father' }, '0987654321'),
  household: householdResource('15313-01-0001', 'Hộ bà Nguyễn Thị Hoa', [
    { patientRef: PATIENT, role: 'chu-ho', start: '2005-06-01' },
    { patientRef: 'Patient/p2', role: 'con', start: '2010-01-01' },
  ]),
  visit: visit.encounter,
  diagnosis: visit.conditions[0],
  bloodPressure: bloodPressure(PATIENT, '2025-09-03T08:20:00+07:00', 128, 82),
  waist: vitalSign(PATIENT, '2025-09-03T08:20:00+07:00', '8280-0', 84),
  coverage: bhytCoverage(
    { patientRef: PATIENT, cardCode: 'GD4383820012345', personalId: '038185001234', start: '2025-01-01', end: '2025-12-31', facility: { code: '38999', name: 'Trạm Y tế xã Hà Sơn' } },
    terminology,
  ),
  immunization: immunizationResource(PATIENT, 'DPT-VGB-Hib', 2, '2023-10-20T09:00:00+07:00', terminology),
  enrolment: enrolmentResource(
    { patientRef: PATIENT, app: 'vneid-health-book', verification: 'seen-on-phone', enrolledOn: '2025-03-01', recordedBy: { display: 'YS. Phạm Thu' }, recordedOn: '2025-03-01' },
    terminology,
  ),
};
