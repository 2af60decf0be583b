import fs from 'node:fs';
import path from 'node:path';
import type { Bundle, Resource } from '@medplum/fhirtypes';
import { mapWithConcurrency } from './concurrency';

/** A transaction Bundle read from disk: its exact bytes (what is sent) and its parsed form. */
export interface BundleFile {
  file: string;
  text: string;
  bundle: Bundle;
  resources: Resource[];
}

/** The Synthea sample's folder of transaction bundles under shared/. */
export function syntheaBundleDir(shared: string): string {
  return path.join(shared, 'fhir-data/synthea-r4-smart/bundles');
}

/** Reads every *.json bundle of `dir`, in name order. */
export function readBundles(dir: string): BundleFile[] {
  return fs
    .readdirSync(dir)
    .filter((name) => name.endsWith('.json'))
    .sort()
    .map((name) => {
      const text = fs.readFileSync(path.join(dir, name), 'utf8');
      const bundle = JSON.parse(text) as Bundle;
      const resources = (bundle.entry ?? []).map((e) => e.resource).filter((r): r is Resource => r !== undefined);
      return { file: name, text, bundle, resources };
    });
}

/** What went wrong with one bundle: HTTP status other than 200, or entries not answered 201. */
export interface BundleFailure {
  file: string;
  status: number;
  /** Entry statuses other than 201, as "status×count". */
  entryStatuses: string[];
  /** First diagnostics of an OperationOutcome, if any (shortened). */
  diagnostics?: string;
}

export interface PostBundlesResult {
  wallMs: number;
  resources: number;
  failures: BundleFailure[];
}

/** POSTs each bundle to the FHIR base with at most `concurrency` in flight; checks 200 and every entry 201. */
export async function postTransactionBundles(
  baseUrl: string,
  bundles: BundleFile[],
  concurrency: number,
  extraHeaders: Record<string, string> = {},
): Promise<PostBundlesResult> {
  const headers = { 'content-type': 'application/fhir+json', accept: 'application/fhir+json', ...extraHeaders };
  const started = performance.now();
  const outcomes = await mapWithConcurrency(bundles, concurrency, async (b) => {
    const res = await fetch(baseUrl, { method: 'POST', headers, body: b.text });
    return checkResponse(b, res.status, await res.text());
  });
  const wallMs = performance.now() - started;
  return {
    wallMs,
    resources: bundles.reduce((n, b) => n + b.resources.length, 0),
    failures: outcomes.filter((f): f is BundleFailure => f !== undefined),
  };
}

function checkResponse(b: BundleFile, status: number, text: string): BundleFailure | undefined {
  let body: any;
  try {
    body = JSON.parse(text);
  } catch {
    return { file: b.file, status, entryStatuses: [], diagnostics: `not JSON: ${text.slice(0, 200)}` };
  }
  const counts = new Map<string, number>();
  const entries: any[] = body?.entry ?? [];
  for (const entry of entries) {
    const entryStatus = String(entry?.response?.status ?? 'none').split(' ')[0];
    if (entryStatus !== '201') counts.set(entryStatus, (counts.get(entryStatus) ?? 0) + 1);
  }
  if (entries.length !== b.resources.length) counts.set(`missing`, b.resources.length - entries.length);
  if (status === 200 && counts.size === 0) return undefined;
  const diagnostics = body?.resourceType === 'OperationOutcome' ? String(body.issue?.[0]?.diagnostics ?? '').slice(0, 300) : undefined;
  return { file: b.file, status, entryStatuses: [...counts].map(([s, n]) => `${s}×${n}`), diagnostics };
}
