import type { UniqueIdentifier } from '../../fhir/store/unique-identifiers';
import { VN_CORE } from '../canonical';

/**
 * A personal ID (CCCD) names one person: no two current Patients of the station hold the same one
 * (migration 1768000000000 keeps it; docs/station/model.md).
 */
export const STATION_UNIQUE_IDENTIFIERS: UniqueIdentifier[] = [
  { constraint: 'patient_national_id_unique', resourceType: 'Patient', system: VN_CORE.nationalId, label: { vi: 'Số CCCD', en: 'Personal ID (CCCD)' } },
];
