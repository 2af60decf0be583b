import type { ErrorRequestHandler } from 'express';
import { actorOnly } from '../fhir/access';
import type { FhirEngine } from '../fhir/engine';
import { OperationOutcomeError } from '../fhir/outcomes';
import type { Authenticated } from './authenticate';

/**
 * A refused request outside the FHIR API — the station's registers, the officers' report and its
 * lists of names, staff accounts, client registration — in the audit trail as the caller's attempt
 * (anonymous without valid credentials), as the FHIR routes record theirs (fhir-routes.ts) and the
 * sign-in routes theirs (auth-routes.ts). Refusals only (401, 403): a wrong period is no attempt on
 * anyone's record. Mounted before the error handler; the answer is the same either way.
 */
export function auditRefusals(engine: FhirEngine, fhirPath: string): ErrorRequestHandler {
  return (err, req, res, next) => {
    const refused = err instanceof OperationOutcomeError && (err.status === 401 || err.status === 403);
    if (!refused || req.path === fhirPath || req.path.startsWith(`${fhirPath}/`)) return next(err);
    const auth = res.locals.auth as Authenticated | undefined;
    const repo = engine.repo.as(auth?.policy ?? actorOnly({ id: 'anonymous', roles: [], ip: req.ip }));
    const search = new URL(req.originalUrl, 'http://x').search.slice(1);
    repo
      .audit({
        interaction: 'operation',
        outcome: '4',
        outcomeDesc: `${err.status} ${req.method} ${req.path}: ${err.outcome.issue?.[0]?.diagnostics ?? ''}`.slice(0, 500),
        entities: [],
        patients: [],
        query: search || undefined,
      })
      .then(
        () => next(err),
        () => next(err),
      );
  };
}
