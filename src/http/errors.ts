import type { ErrorRequestHandler } from 'express';
import type { Logger } from 'pino';
import { type OperationOutcomeError, toOutcomeError } from '../fhir/outcomes';
import { authErrorOutcome } from './auth-routes';
import { bodyReadFailure } from './body-errors';
import { sendBody } from './response';

/**
 * The single error handler: every failure leaves as an OperationOutcome with the status the engine
 * chose. Unknown errors are logged (message and stack only — never request bodies, which hold
 * health data) and answered with a bare 500, without a stack trace.
 */
export function errorHandler(logger: Logger, maxBodyBytes: number): ErrorRequestHandler {
  return (err, req, res, _next) => {
    const failure: OperationOutcomeError = bodyReadFailure(err, maxBodyBytes) ?? authErrorOutcome(err) ?? toOutcomeError(err);
    if (failure.status >= 500) logger.error({ err: loggable(err), method: req.method, path: req.path }, 'request failed');
    if (res.headersSent) return;
    res.status(failure.status);
    for (const [name, value] of Object.entries(failure.headers)) res.setHeader(name, value);
    sendBody(res, failure.outcome, false);
  };
}

/**
 * What is logged of an error: its kind, message, stack and code. pino's error serializer logs every
 * other enumerable property too, and errors carry what the request sent: body-parser's `body` (the
 * whole raw body it failed to parse or verify), node-postgres's `detail` (the values of a row).
 */
function loggable(err: unknown): { type: string; message: string; stack?: string; code?: unknown } {
  if (!(err instanceof Error)) return { type: typeof err, message: 'a value that is no Error was thrown' };
  return { type: err.name, message: err.message, stack: err.stack, code: (err as { code?: unknown }).code };
}
