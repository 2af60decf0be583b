import express, { type RequestHandler } from 'express';
import { jsonTooDeepFailure, malformedJson } from './body-errors';
import { jsonTooDeep } from './json-text';

/**
 * A FHIR request body's JSON (UTF-8), or the 400 saying why it is none: nested too deep
 * (json-text.ts), or malformed, saying where but not what (body-errors.ts).
 */
export function parseJsonBody(bytes: Buffer): unknown {
  const text = bytes.toString('utf8');
  if (jsonTooDeep(text)) throw jsonTooDeepFailure();
  try {
    return JSON.parse(text);
  } catch {
    throw malformedJson(text);
  }
}

/**
 * express.json for the routes outside the FHIR API (sign-in, the officers' report, the station's
 * forms), refusing a body nested too deep before it is parsed. A malformed body's error is mapped
 * by body-errors.ts. body-parser gives `verify` the bytes before decoding them; a charset Buffer
 * cannot decode is scanned byte by byte (latin1), the brackets and quotes being ASCII.
 */
export function jsonBodyParser(limit: string): RequestHandler {
  return express.json({
    limit,
    verify: (_req, _res, buf, encoding) => {
      if (jsonTooDeep(buf.toString(Buffer.isEncoding(encoding) ? encoding : 'latin1'))) throw jsonTooDeepFailure();
    },
  });
}
