import type { ErrorRequestHandler } from 'express';
import type { Logger } from 'pino';
import { badRequest, OperationOutcomeError, toOutcomeError, tooLarge } from '../fhir/outcomes';
import { authErrorOutcome } from './auth-routes';
import { sendBody } from './response';

/**
 * The single error handler: every failure leaves as an OperationOutcome with the status the engine
 * chose. Unknown errors are logged (message and stack only — never request bodies, which hold
 * health data) and answered with a bare 500, without a stack trace.
 */
export function errorHandler(logger: Logger, maxBodyBytes: number): ErrorRequestHandler {
  return (err, req, res, _next) => {
    let failure: OperationOutcomeError;
    if (err?.type === 'entity.too.large') failure = tooLarge(maxBodyBytes);
    else if (err?.type === 'entity.parse.failed' || err instanceof SyntaxError) {
      failure = badRequest('Nội dung JSON không hợp lệ', `Malformed JSON: ${(err as Error).message}`);
    } else failure = authErrorOutcome(err) ?? toOutcomeError(err);
    if (failure.status >= 500) logger.error({ err, method: req.method, path: req.path }, 'request failed');
    if (res.headersSent) return;
    res.status(failure.status);
    sendBody(res, failure.outcome, false);
  };
}
