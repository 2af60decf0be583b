import type { UniqueIdentifier } from '../../fhir/store/unique-identifiers';
import { VN_CORE } from '../canonical';

/**
 * A personal ID (CCCD) names one person, a station number one record: no two current Patients of
 * the station hold the same one (migrations 1768000000000 and 1768100000000 keep them; docs/station/model.md).
 */
export const STATION_UNIQUE_IDENTIFIERS: UniqueIdentifier[] = [
  { constraint: 'patient_national_id_unique', resourceType: 'Patient', system: VN_CORE.nationalId, label: { vi: 'Số CCCD', en: 'Personal ID (CCCD)' }, onePerPerson: true },
  { constraint: 'patient_station_number_unique', resourceType: 'Patient', system: VN_CORE.patientInternalId, label: { vi: 'Số hồ sơ của trạm', en: 'Station patient number' } },
];
