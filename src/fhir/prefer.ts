import type { Resource } from '@medplum/fhirtypes';
import { allOk } from './outcomes';
import type { FhirResponse } from './request';

export type ReturnPreference = 'minimal' | 'representation' | 'OperationOutcome';

/** The `return=` part of a Prefer header (representation when absent or unknown). */
export function returnPreference(prefer: string | undefined): ReturnPreference {
  const m = /return\s*=\s*"?(minimal|representation|OperationOutcome)"?/i.exec(prefer ?? '');
  if (!m) return 'representation';
  const value = m[1].toLowerCase();
  return value === 'minimal' ? 'minimal' : value === 'operationoutcome' ? 'OperationOutcome' : 'representation';
}

/** The body to send for a response under a Prefer return preference. */
export function preferredBody(res: FhirResponse, preference: ReturnPreference): Resource | undefined {
  if (preference === 'minimal') return undefined;
  if (preference === 'OperationOutcome') return res.outcome ?? (res.resource?.resourceType === 'OperationOutcome' ? res.resource : allOk());
  return res.resource ?? res.outcome;
}
