import type { Patient } from '@medplum/fhirtypes';
import { OperationOutcomeError } from '../fhir/outcomes';
import type { Repository } from '../fhir/store/repository';

/**
 * The resident a record is about, read in the write's transaction as the writer, or undefined when
 * the writer may not read them (403) or they are not there (404): the record is then kept without
 * what would have needed them (a z-score, the birth-date check).
 */
export async function readPatient(tx: Repository, id: string): Promise<Patient | undefined> {
  try {
    return (await tx.read('Patient', id)) as Patient;
  } catch (err) {
    if (err instanceof OperationOutcomeError && (err.status === 403 || err.status === 404)) return undefined;
    throw err;
  }
}
