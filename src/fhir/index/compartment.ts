import { ACCESS_LOG_TYPE } from './access-log';
import { listOwners, REFERENCE_LISTS, referenceListKeys } from './reference-lists';

/**
 * Where Patient compartment membership is stored, and SQL that asks it.
 *
 * The record (every type of the R4 Patient CompartmentDefinition but one) has its membership in
 * idx_compartment, one row per (resource, patient), written with the resource. The access log
 * does not: an AuditEvent is in the compartment of the patients its `patient` parameter names,
 * and those are already keys of its reference list (`entity|Patient/…`, `agent|Patient/…`:
 * stored-params.ts narrows `patient` into those parameters, reference-lists.ts keeps an
 * AuditEvent's references as one list). A search of 20 residents writes one event naming 20
 * patients; keeping them in idx_compartment too cost 20 more rows and 60 B-tree entries per search
 * (docs/search.md §8). So the log's membership is read from its lists, and only statements that
 * may meet an AuditEvent pay for that (test/search/compartment-log.int.test.ts).
 */

/**
 * The reference parameters whose rows hold an AuditEvent's `patient` values. They must be what
 * stored-params.ts narrows AuditEvent `patient` into (a test holds them to it).
 */
export const ACCESS_LOG_PATIENT_ROWS = ['entity', 'agent'] as const;

/** Whether a resource of `type` keeps its Patient compartment rows in idx_compartment. */
export const storesCompartmentRows = (type: string): boolean => type !== ACCESS_LOG_TYPE;

/** Whether a statement over `types` (empty: any type) may meet the access log. */
export const mayMeetAccessLog = (types: readonly string[]): boolean => types.length === 0 || types.includes(ACCESS_LOG_TYPE);

/** The list keys that name the patient: their `patient` rows (`entity|Patient/…`, `agent|Patient/…`). */
function patientKeys(patient: string): string {
  const prefixes = referenceListKeys([ACCESS_LOG_TYPE], 'patient', [{ params: ACCESS_LOG_PATIENT_ROWS, targetType: 'Patient' }], ['Patient/']);
  return `ARRAY[${prefixes.map((prefix) => `'${prefix}' || ${patient}`).join(', ')}]`;
}

/**
 * The membership relation (station_id, compartment_type, compartment_id, resource_type,
 * resource_id) of `patient`'s Patient compartment for a statement that may meet the access log
 * (`withLog`) or not. A UNION ALL of plain SELECTs, which PostgreSQL flattens: conditions on it
 * reach each part's indexes; the log's part asks its lists' GIN index for the patient's keys.
 */
export function compartmentRelation(withLog: boolean, station: string, patient: string): string {
  if (!withLog) return 'idx_compartment';
  const record = 'SELECT station_id, compartment_type, compartment_id, resource_type, resource_id FROM idx_compartment';
  const log = `SELECT ${station}::text, 'Patient'::text, ${patient}::text, '${ACCESS_LOG_TYPE}'::text, a.resource_id
      FROM ${listOwners(station, ACCESS_LOG_TYPE, patientKeys(patient), 'a')}`;
  return `(${record}\n    UNION ALL ${log})`;
}

/** SQL expressions naming a resource and a patient, for `inPatientCompartment`. */
export interface CompartmentMember {
  station: string;
  type: string;
  id: string;
  patient: string;
}

/**
 * Condition: the resource is in the patient's compartment. The access log's part is asked only
 * for AuditEvents (the `type` test comes first), so the record's reads never probe the lists.
 */
export function inPatientCompartment(m: CompartmentMember, withLog: boolean): string {
  const record = `EXISTS (SELECT 1 FROM idx_compartment c WHERE c.station_id = ${m.station} AND c.compartment_type = 'Patient'
      AND c.compartment_id = ${m.patient} AND c.resource_type = ${m.type} AND c.resource_id = ${m.id})`;
  if (!withLog) return record;
  const log = `EXISTS (SELECT 1 FROM ${REFERENCE_LISTS} a WHERE a.station_id = ${m.station} AND a.resource_type = '${ACCESS_LOG_TYPE}'
      AND a.resource_id = ${m.id} AND a.keys && ${patientKeys(m.patient)})`;
  return `(${record} OR (${m.type} = '${ACCESS_LOG_TYPE}' AND ${log}))`;
}
