import { randomUUID } from 'node:crypto';
import type { Resource } from '@medplum/fhirtypes';
import type { Queryable } from '../../db/database';
import { buildAuditEvent, type AuditInput } from '../audit';
import { auditIndexRows } from '../index/audit-rows';
import { stringRowKeys } from '../index/string-keys';
import type { ExtractContext, IndexRows } from '../index/extract';
import { PLACEHOLDER } from './audit-queue';
import type { NewVersion, VersionWrite } from './write';
import { writeVersion } from './write';

/**
 * Turns an audit record into a version write of a new AuditEvent, through the same write path
 * as everything else (so it is indexed and searchable: `AuditEvent?patient=…&agent=…&date=…`).
 * AuditEvents are built by the server, so they are not re-validated on every request.
 */
export function auditWrite(stationId: string, input: AuditInput, extract: ExtractContext): VersionWrite {
  const { id, event, rows } = newEvent(input, { versionId: '1' }, extract);
  return { stationId, resourceType: 'AuditEvent', id, versionId: 1, previousVersion: 0, method: 'POST', content: event, rows, stringKeys: stringRowKeys(extract.defs, 'AuditEvent') };
}

/** An audit record for the AuditQueue: stamped with the time of the statement that stores it. */
export function queuedAudit(stationId: string, input: AuditInput, extract: ExtractContext): NewVersion {
  const { id, event, rows } = newEvent(input, { versionId: '1', lastUpdated: PLACEHOLDER }, extract);
  return { stationId, resourceType: 'AuditEvent', id, json: JSON.stringify(event), rows };
}

/** A new AuditEvent of `input`, recorded now, with a fresh id, `meta`, and its index rows. */
function newEvent(input: AuditInput, meta: Resource['meta'], extract: ExtractContext): { id: string; event: Resource; rows: IndexRows } {
  const id = randomUUID();
  const event = { ...buildAuditEvent(input, new Date().toISOString()), id, meta };
  return { id, event, rows: auditIndexRows(event, extract) };
}

/** Stores an audit record on its own, now (when the engine has no AuditQueue). */
export async function recordAudit(q: Queryable, stationId: string, input: AuditInput, extract: ExtractContext): Promise<void> {
  await writeVersion(q, auditWrite(stationId, input, extract));
}

/**
 * Patients a resource that was read is about, for the audit record: itself, or its `subject` /
 * `patient` reference. (Writes use their full compartment rows; reads stay cheap.)
 */
export function patientsOf(resource: Resource): string[] {
  if (resource.resourceType === 'Patient') return resource.id ? [resource.id] : [];
  const r = resource as { subject?: { reference?: string }; patient?: { reference?: string } };
  return [r.subject?.reference, r.patient?.reference]
    .filter((ref): ref is string => !!ref && ref.startsWith('Patient/'))
    .map((ref) => ref.slice('Patient/'.length).split('/')[0]);
}
