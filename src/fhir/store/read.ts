import type { Resource } from '@medplum/fhirtypes';
import type { Queryable } from '../../db/database';
import { inPatientCompartment, mayMeetAccessLog } from '../index/compartment';
import { versionContent } from './version-content';

/** The stored head of a resource: its current version, even when that version is a deletion. */
export interface StoredHead {
  versionId: number;
  deleted: boolean;
  lastUpdated: Date;
  content: Resource;
}

/**
 * The head by primary key, deleted or not. Having no `NOT deleted`, it cannot use the partial index
 * on last_updated (migration 1766000100000), which PostgreSQL without statistics preferred to the
 * primary key, walking every resource of the type on each read before a write (docs/search.md §8).
 */
export const READ_HEAD_SQL = `SELECT version_id, deleted, last_updated, content FROM resource WHERE station_id = $1 AND resource_type = $2 AND id = $3`;

/**
 * The head of a resource; with `patientCompartment`, only if the resource is in that patient's
 * compartment (the access filter is part of the query, so another patient's record reads as absent).
 */
export async function readHead(q: Queryable, stationId: string, type: string, id: string, patientCompartment?: string): Promise<StoredHead | undefined> {
  const params = [stationId, type, id];
  let compartment = '';
  let name = 'fhir_read_head';
  if (patientCompartment !== undefined) {
    params.push(patientCompartment);
    const withLog = mayMeetAccessLog([type]);
    compartment = ` AND ${inPatientCompartment({ station: '$1', type: '$2', id: '$3', patient: '$4' }, withLog)}`;
    name = withLog ? 'fhir_read_head_compartment_log' : 'fhir_read_head_compartment';
  }
  const rows = await q.query<{ version_id: number; deleted: boolean; last_updated: Date; content: Resource }>(
    READ_HEAD_SQL + compartment,
    params,
    name,
  );
  const row = rows[0];
  return row && { versionId: row.version_id, deleted: row.deleted, lastUpdated: new Date(row.last_updated), content: row.content };
}

/** One version from history; content is null for a deletion. */
export interface StoredVersion {
  versionId: number;
  method: string;
  lastUpdated: Date;
  content: Resource | null;
}

export async function readVersion(
  q: Queryable,
  stationId: string,
  type: string,
  id: string,
  versionId: number,
): Promise<StoredVersion | undefined> {
  const rows = await q.query<{ version_id: number; method: string; last_updated: Date; content: Resource | null }>(
    `SELECT h.version_id, h.method, h.last_updated, ${versionContent('h')} AS content FROM resource_history h
      WHERE h.station_id = $1 AND h.resource_type = $2 AND h.id = $3 AND h.version_id = $4`,
    [stationId, type, id, versionId],
  );
  const row = rows[0];
  return row && { versionId: row.version_id, method: row.method, lastUpdated: new Date(row.last_updated), content: row.content };
}
