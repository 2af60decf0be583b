import type { ErrorRequestHandler } from 'express';
import { actorOnly } from '../fhir/access';
import type { FhirEngine } from '../fhir/engine';
import { echoed, OperationOutcomeError } from '../fhir/outcomes';
import type { Authenticated } from './authenticate';
import type { RefusalAudit } from './client-errors';

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

/**
 * What Node's HTTP server refuses before any route sees it (client-errors.ts: a request it cannot
 * parse, headers too large, a timeout, CONNECT, an unmet `Expect`, a version we do not serve), in
 * the audit trail as an anonymous attempt from the client's address: no credentials were read. The
 * text is the status, the method and path of a request Node parsed (the path cut as error texts cut
 * input, `echoed`), and the refusal's own text — never a header's value, the query or the body.
 */
export function auditParserRefusals(engine: FhirEngine): RefusalAudit {
  return ({ failure, ip, method, path }) => {
    const request = method ? ` ${method} ${echoed(path ?? '')}` : '';
    engine.repo
      .as(actorOnly({ id: 'anonymous', roles: [], ip }))
      .audit({
        interaction: 'operation',
        outcome: '4',
        outcomeDesc: `${failure.status}${request}: ${failure.outcome.issue?.[0]?.diagnostics ?? ''}`.slice(0, 500),
        entities: [],
        patients: [],
      })
      // The answer is already written; a record the queue could not take is reported by the queue.
      .catch(() => undefined);
  };
}
