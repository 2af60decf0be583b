import type { Response } from 'express';
import type { Resource } from '@medplum/fhirtypes';
import type { FhirResponse } from '../fhir/request';
import { preferredBody, returnPreference } from '../fhir/prefer';

export const FHIR_JSON = 'application/fhir+json; charset=utf-8';

/** The one place a FHIR answer becomes HTTP: status, ETag, Location, Last-Modified, body per Prefer. */
export function sendFhir(res: Response, result: FhirResponse, opts: { prefer?: string; pretty: boolean; head: boolean }): void {
  // Health records must not sit in a browser's or proxy's cache (and be served stale from it).
  res.setHeader('Cache-Control', 'no-store');
  if (result.versionId) res.setHeader('ETag', `W/"${result.versionId}"`);
  if (result.lastModified) res.setHeader('Last-Modified', new Date(result.lastModified).toUTCString());
  if (result.location) res.setHeader('Location', result.location);
  res.status(result.status);
  if (result.status === 304) {
    res.end();
    return;
  }
  const body = result.preferApplied ? result.resource : preferredBody(result, returnPreference(opts.prefer));
  if (!body) {
    res.end();
    return;
  }
  sendBody(res, body, opts.pretty, opts.head);
}

export function sendBody(res: Response, body: Resource, pretty: boolean, head = false): void {
  const text = pretty ? JSON.stringify(body, null, 2) : JSON.stringify(body);
  res.setHeader('Content-Type', FHIR_JSON);
  if (head) res.setHeader('Content-Length', Buffer.byteLength(text));
  res.end(head ? undefined : text);
}
