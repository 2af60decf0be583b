import { bilingual, forbidden, OperationOutcomeError, outcome, type IssueCode } from '../fhir/outcomes';
import type { Repository } from '../fhir/store/repository';
import { TM_CS } from './canonical';

/** Why a telemedicine request was refused: codes of fhir-profiles/telemedicine/CodeSystem-telemedicine-issue.json. */
export type TelemedicineIssue =
  | 'slot-taken'
  | 'slot-unavailable'
  | 'consent-required'
  | 'patient-deceased'
  | 'wrong-status'
  | 'outside-window'
  | 'tt30-acknowledgement-required'
  | 'tt30-refused'
  | 'operation-required';

const STATUS: Record<TelemedicineIssue, [number, IssueCode]> = {
  'slot-taken': [409, 'conflict'],
  'slot-unavailable': [409, 'conflict'],
  'consent-required': [422, 'business-rule'],
  'patient-deceased': [422, 'business-rule'],
  'wrong-status': [409, 'business-rule'],
  'outside-window': [409, 'business-rule'],
  'tt30-acknowledgement-required': [422, 'business-rule'],
  'tt30-refused': [422, 'business-rule'],
  'operation-required': [403, 'forbidden'],
};

/** An OperationOutcome whose issue carries the machine-readable reason beside the bilingual text. */
export function refused(issue: TelemedicineIssue, vi: string, en: string): OperationOutcomeError {
  const [status, code] = STATUS[issue];
  const result = outcome('error', code, bilingual(vi, en));
  result.issue![0].details = { coding: [{ system: TM_CS.issue, code: issue }], text: bilingual(vi, en) };
  return new OperationOutcomeError(result, status);
}

/**
 * 403 for a resident's app on the station's side of remote care (accepting, diagnosing,
 * referring, case conferences). The app may read and write inside its own compartment, so reading
 * the appointment or encounter through its repository would not stop it.
 */
export function staffOnly(repo: Repository, vi: string, en: string): void {
  if (repo.ctx.access.patientCompartment !== undefined) throw forbidden(vi, en);
}
