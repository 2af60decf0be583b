import { randomUUID } from 'node:crypto';
import type { Resource } from '@medplum/fhirtypes';
import type { Queryable } from '../../db/database';
import { buildAuditEvent, type AuditInput } from '../audit';
import { emptyRows, extractIndexRows, type ExtractContext, type IndexRows } from '../index/extract';
import { INDEX_TABLES } from '../index/tables';
import { PLACEHOLDER } from './audit-queue';
import type { NewVersion, VersionWrite } from './write';
import { writeVersion } from './write';

/**
 * Turns an audit record into a version write of a new AuditEvent, through the same write path
 * as everything else (so it is indexed and searchable: `AuditEvent?patient=…&agent=…&date=…`).
 * AuditEvents are built by the server, so they are not re-validated on every request.
 */
export function auditWrite(stationId: string, input: AuditInput, extract: ExtractContext): VersionWrite {
  const id = randomUUID();
  const event = { ...buildAuditEvent(input, new Date().toISOString()), id, meta: { versionId: '1' } } as Resource;
  return { stationId, resourceType: 'AuditEvent', id, versionId: 1, previousVersion: 0, method: 'POST', content: event, rows: auditIndexRows(event, extract) };
}

/** An audit record for the AuditQueue: stamped with the time of the statement that stores it. */
export function queuedAudit(stationId: string, input: AuditInput, extract: ExtractContext): NewVersion {
  const id = randomUUID();
  const event = { ...buildAuditEvent(input, new Date().toISOString()), id, meta: { versionId: '1', lastUpdated: PLACEHOLDER } } as Resource;
  return { stationId, resourceType: 'AuditEvent', id, json: JSON.stringify(event), rows: auditIndexRows(event, extract) };
}

/**
 * The index rows of an AuditEvent, each distinct row once. An event has one entity per resource
 * read, all with the same entity type and role: a search of 20 Patients gave 193 rows of which 118
 * were repeats (`entity-role`, `entity-type` once per entity; the Patient, then also named twice,
 * is now named once by audit.ts). A repeat finds nothing more, and each row costs PostgreSQL two
 * to four B-tree inserts. Only AuditEvents repeat values like this, so other resources' rows are
 * not compared (that would cost every write).
 */
function auditIndexRows(event: Resource, extract: ExtractContext): IndexRows {
  const rows = extractIndexRows(event, extract);
  const distinct: IndexRows = { ...emptyRows(), rowSet: rows.rowSet };
  for (const { table } of INDEX_TABLES) {
    const seen = new Set<string>();
    (distinct[table] as object[]) = (rows[table] as object[]).filter((row) => {
      const key = rowKey(row);
      return !seen.has(key) && !!seen.add(key);
    });
  }
  return distinct;
}

/** The values of an index row, in field order (rows of one table share it); null and text kept apart. */
function rowKey(row: object): string {
  let key = '';
  for (const v of Object.values(row)) key += v === null ? '\u0000' : `\u0001${v}`;
  return key;
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
