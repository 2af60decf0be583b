/**
 * Where Patient compartment membership is stored, and SQL that asks it.
 *
 * The record (every type of the R4 Patient CompartmentDefinition but one) has its membership in
 * idx_compartment, one row per (resource, patient), written with the resource. The access log
 * does not: an AuditEvent is in the compartment of the patients its `patient` parameter names,
 * and those are already its `entity` and `agent` reference rows (stored-params.ts narrows
 * `patient` into them). A search of 20 residents writes one event naming 20 patients; keeping them
 * in idx_compartment too cost 20 more rows and 60 B-tree entries per search (docs/search.md §8).
 * So the log's membership is read from idx_reference, and only statements that may meet an
 * AuditEvent pay for that (test/search/compartment-log.int.test.ts).
 */

/** The access log's type: in the R4 Patient compartment, but not the record. */
export const ACCESS_LOG_TYPE = 'AuditEvent';

/**
 * The reference rows that hold an AuditEvent's `patient` values, first the one that names most.
 * They must be what stored-params.ts narrows AuditEvent `patient` into (a test holds them to it).
 */
export const ACCESS_LOG_PATIENT_ROWS = ['entity', 'agent'] as const;

/** Whether a resource of `type` keeps its Patient compartment rows in idx_compartment. */
export const storesCompartmentRows = (type: string): boolean => type !== ACCESS_LOG_TYPE;

/** Whether a statement over `types` (empty: any type) may meet the access log. */
export const mayMeetAccessLog = (types: readonly string[]): boolean => types.length === 0 || types.includes(ACCESS_LOG_TYPE);

/**
 * The access log's Patient compartment as rows of idx_reference, one SELECT per row kind: each
 * event once per patient, though it may name a patient both as entity and as agent (a resident's
 * own app reading their record).
 */
function accessLogLegs(): string[] {
  return ACCESS_LOG_PATIENT_ROWS.map((param, i) => {
    const earlier = ACCESS_LOG_PATIENT_ROWS.slice(0, i).map((p) => `'${p}'`);
    const once = earlier.length
      ? `\n      AND NOT EXISTS (SELECT 1 FROM idx_reference e WHERE e.station_id = a.station_id AND e.resource_type = a.resource_type
        AND e.resource_id = a.resource_id AND e.param IN (${earlier.join(', ')}) AND e.target_type = 'Patient' AND e.target_id = a.target_id)`
      : '';
    return `SELECT a.station_id, 'Patient'::text AS compartment_type, a.target_id AS compartment_id, a.resource_type, a.resource_id
      FROM idx_reference a WHERE a.resource_type = '${ACCESS_LOG_TYPE}' AND a.param = '${param}' AND a.target_type = 'Patient'${once}`;
  });
}

/**
 * The compartment membership relation (station_id, compartment_type, compartment_id, resource_type,
 * resource_id) for a statement that may meet the access log (`withLog`) or not. A UNION ALL of
 * plain SELECTs, which PostgreSQL flattens: conditions on it reach each part's indexes.
 */
export function compartmentRelation(withLog: boolean): string {
  if (!withLog) return 'idx_compartment';
  const record = 'SELECT station_id, compartment_type, compartment_id, resource_type, resource_id FROM idx_compartment';
  return `(${[record, ...accessLogLegs()].join('\n    UNION ALL ')})`;
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
 * for AuditEvents (the `type` test comes first), so the record's reads never probe idx_reference.
 */
export function inPatientCompartment(m: CompartmentMember, withLog: boolean): string {
  const record = `EXISTS (SELECT 1 FROM idx_compartment c WHERE c.station_id = ${m.station} AND c.compartment_type = 'Patient'
      AND c.compartment_id = ${m.patient} AND c.resource_type = ${m.type} AND c.resource_id = ${m.id})`;
  if (!withLog) return record;
  const log = `EXISTS (SELECT 1 FROM idx_reference a WHERE a.station_id = ${m.station} AND a.resource_type = '${ACCESS_LOG_TYPE}'
      AND a.resource_id = ${m.id} AND a.param IN (${ACCESS_LOG_PATIENT_ROWS.map((p) => `'${p}'`).join(', ')})
      AND a.target_type = 'Patient' AND a.target_id = ${m.patient})`;
  return `(${record} OR (${m.type} = '${ACCESS_LOG_TYPE}' AND ${log}))`;
}
