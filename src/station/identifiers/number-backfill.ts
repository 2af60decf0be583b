import type { Patient } from '@medplum/fhirtypes';
import type { Queryable } from '../../db/database';
import { SYSTEM_ACCESS, type AccessPolicy } from '../../fhir/access';
import { OperationOutcomeError } from '../../fhir/outcomes';
import type { Repository } from '../../fhir/store/repository';
import { VN_CORE } from '../canonical';
import type { StationConfig } from '../config';
import { stationNumberAssignment } from './station-number';

/** Who the backfill's updates are recorded as in the audit trail: the server, run by an administrator's command. */
const BACKFILL: AccessPolicy = {
  ...SYSTEM_ACCESS,
  actor: { ...SYSTEM_ACCESS.actor, id: 'number-residents', display: 'npm run number-residents' },
};

export interface BackfillResult {
  /** Residents given a number now. */
  numbered: number;
  /** Residents changed by someone else between our read and our write: run again to number them. */
  changedMeanwhile: number;
}

/**
 * Gives the station's patient number to every current resident who has none: those registered
 * before the server numbered residents (migration 1768100000000) and those whose number an update
 * dropped. Each one is an update through the engine's one write path (validated, indexed, a new
 * version, audited), guarded by the version read, so an edit made meanwhile by staff is never
 * overwritten: that resident is counted and left for the next run. Numbers are drawn from the
 * sequence registrations use, so the backfill can run while the station works.
 */
export async function numberUnnumberedResidents(repo: Repository, config: StationConfig, db: Queryable, pageSize = 200): Promise<BackfillResult> {
  const writer = repo.as(BACKFILL);
  const assignment = stationNumberAssignment(config);
  const result: BackfillResult = { numbered: 0, changedMeanwhile: 0 };
  const req = repo.parseSearch('Patient', [['_count', String(pageSize)]]);
  for (;;) {
    const page = await writer.search(req);
    for (const patient of page.resources as Patient[]) {
      if (hasNumber(patient) || !assignment.appliesTo(patient)) continue;
      const numbered = await assignment.assign(patient, db);
      try {
        await writer.update('Patient', patient.id!, numbered, { ifMatch: Number(patient.meta?.versionId) });
        result.numbered++;
      } catch (err) {
        if (!(err instanceof OperationOutcomeError && err.status === 412)) throw err;
        result.changedMeanwhile++;
      }
    }
    if (!page.next) return result;
    req.cursor = page.next;
  }
}

function hasNumber(patient: Patient): boolean {
  return (patient.identifier ?? []).some((i) => i.system === VN_CORE.patientInternalId);
}
