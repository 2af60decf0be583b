import type { RequestHandler } from 'express';
import type { Logger } from 'pino';

/**
 * One log line per request: method, path, status, duration. Never the query string or body —
 * both can carry names, ID card numbers and diagnoses, and logs are not a place for health data.
 */
export function requestLog(logger: Logger): RequestHandler {
  return (req, res, next) => {
    const start = process.hrtime.bigint();
    res.on('finish', () => {
      const ms = Number(process.hrtime.bigint() - start) / 1e6;
      logger.info({ method: req.method, path: req.path, status: res.statusCode, ms: Math.round(ms * 10) / 10 }, 'request');
    });
    next();
  };
}
