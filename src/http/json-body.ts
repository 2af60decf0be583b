import express, { type RequestHandler } from 'express';
import { jsonTooDeepFailure, malformedJson } from './body-errors';
import { jsonTooDeep, withoutBom } from './json-text';

/**
 * A FHIR request body's JSON (UTF-8), or the 400 saying why it is none: nested too deep
 * (json-text.ts), or malformed, saying where but not what (body-errors.ts).
 *
 * A UTF-8 byte order mark before the JSON is skipped, not refused. RFC 8259 §8.1 lets a parser
 * ignore one, Windows tools still write one (PowerShell 5's `-Encoding UTF8`, .NET's
 * `Encoding.UTF8`, files saved by older Notepad and posted as they are), and the other JSON routes
 * here (body-parser, through iconv-lite) already skipped it: refused, a client sending a file from
 * such a tool got a 400 quoting an invisible character, from the FHIR API only.
 */
export function parseJsonBody(bytes: Buffer): unknown {
  const text = bodyText(bytes);
  if (jsonTooDeep(text)) throw jsonTooDeepFailure();
  try {
    return JSON.parse(text);
  } catch {
    throw malformedJson(text);
  }
}

/** A request body as UTF-8 text, without a byte order mark (see parseJsonBody). */
export function bodyText(bytes: Buffer): string {
  return withoutBom(bytes).toString('utf8');
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
