import type { Bundle, BundleEntry, BundleEntryRequest, Resource } from '@medplum/fhirtypes';
import { badRequest, echoed, OperationOutcomeError, outcome, toOutcomeError } from '../outcomes';
import { preferredBody, returnPreference, type ReturnPreference } from '../prefer';
import type { FhirRequest, FhirResponse, InteractionContext } from '../request';
import { checkBatchReferences } from './batch-references';
import { checkEntries, ORDER } from './check';
import { entryFailure } from './failure';
import { splitUrl } from './links';
import { entryBody } from './patch-entry';
import { resolveReferences } from './references';
import { recheckConditions, type EntryWrite } from './recheck';
import { decideTargets } from './targets';

/** The methods whose entries write a resource (a DELETE's is gone; a conditional create that matched writes nothing). */
const WRITES = new Set(['POST', 'PUT', 'PATCH']);

const STATUS_TEXT: Record<number, string> = { 200: 'OK', 201: 'Created', 204: 'No Content', 304: 'Not Modified' };

/**
 * Processes a batch or transaction Bundle (POST to the base).
 * - transaction: one database transaction, all or nothing. urn:uuid fullUrls and conditional
 *   references (Patient?identifier=…) are resolved first, in every reference of every entry.
 *   If any entry fails, nothing is written and the failure is the answer.
 * - batch: every entry on its own; failures are reported per entry.
 */
export async function processBundle(bundle: unknown, prefer: string | undefined, ctx: InteractionContext): Promise<FhirResponse> {
  const b = bundle as Bundle;
  if (!b || b.resourceType !== 'Bundle') throw badRequest('POST lên gốc phải là một Bundle', 'POST to the base must be a Bundle');
  if (b.type !== 'batch' && b.type !== 'transaction') {
    throw badRequest(`Bundle.type phải là batch hoặc transaction, không phải ${echoed(b.type)}`, `Bundle.type must be batch or transaction, not ${echoed(b.type)}`, ['Bundle.type']);
  }
  checkEntries(b.entry, b.type);
  const entries = b.entry ?? [];
  const preference = returnPreference(prefer);
  const responses = b.type === 'transaction' ? await transaction(entries, ctx) : await batch(entries, ctx);
  return {
    status: 200,
    preferApplied: true,
    resource: {
      resourceType: 'Bundle',
      type: b.type === 'transaction' ? 'transaction-response' : 'batch-response',
      entry: responses.map((res) => responseEntry(res, preference)),
    },
  };
}

async function transaction(entries: BundleEntry[], ctx: InteractionContext): Promise<FhirResponse[]> {
  // One database transaction, its new resources written together, and one AuditEvent naming
  // everything it touched.
  return ctx.repo.withDeferredWrites((outer) => outer.withBatchedAudit(async (repo) => {
    const txCtx: InteractionContext = { ...ctx, repo };
    const targets = await decideTargets(entries, repo, ctx.baseUrl);
    const { assigned, conditions } = targets;
    // A PATCH's operations may reference other entries too (e.g. an added generalPractitioner).
    const resolved = await resolveReferences(entries, targets, repo, ctx.baseUrl);
    const order = entries.map((_, i) => i).sort((a, b) => ORDER[entries[a].request!.method!] - ORDER[entries[b].request!.method!] || a - b);
    const responses: FhirResponse[] = new Array(entries.length);
    const written: EntryWrite[] = [];
    for (const i of order) {
      const id = assigned.get(i);
      try {
        if (id?.startsWith('match:')) {
          const existing = await repo.read((resolved[i] as Resource).resourceType, id.slice(6));
          responses[i] = { status: 200, resource: existing, versionId: existing.meta?.versionId, lastModified: existing.meta?.lastUpdated, location: `${ctx.baseUrl}/${existing.resourceType}/${existing.id}/_history/${existing.meta?.versionId}` };
          continue;
        }
        responses[i] = await ctx.dispatch(toRequest(entries[i].request!, resolved[i], ctx.baseUrl, id), txCtx);
      } catch (err) {
        throw entryFailure(err, i);
      }
      if (responses[i].status >= 400) throw entryFailure(new OperationOutcomeError(responses[i].outcome ?? outcome('error', 'processing', 'failed'), responses[i].status), i);
      const { resource } = responses[i];
      if (WRITES.has(entries[i].request!.method!) && resource?.id) written.push({ index: i, resource });
    }
    const positions = new Map(order.map((i, position) => [i, position]));
    const found = await recheckConditions(conditions, written, (i) => positions.get(i)!, repo);
    if (found) throw entryFailure(found.failure, found.index);
    // Records derived from the entries (z-scores) are written now, inside the audited batch.
    await repo.settle();
    return responses;
  }));
}

async function batch(entries: BundleEntry[], ctx: InteractionContext): Promise<FhirResponse[]> {
  const responses: FhirResponse[] = [];
  const fullUrls = new Set(entries.flatMap((entry) => entry.fullUrl ?? []));
  for (const [i, entry] of entries.entries()) {
    try {
      const body = entryBody(entry, i);
      checkBatchReferences(entry, body, i, fullUrls, ctx.baseUrl);
      responses.push(await ctx.dispatch(toRequest(entry.request!, body, ctx.baseUrl), ctx));
    } catch (err) {
      const failure = toOutcomeError(err);
      responses.push({ status: failure.status, outcome: failure.outcome });
    }
  }
  return responses;
}

function toRequest(r: BundleEntryRequest, body: unknown, baseUrl: string, assignedId?: string): FhirRequest {
  const [path, query] = splitUrl(r.url!, baseUrl);
  return {
    method: r.method as FhirRequest['method'],
    path,
    query: [...new URLSearchParams(query)] as [string, string][],
    headers: { ifMatch: r.ifMatch, ifNoneMatch: r.ifNoneMatch, ifNoneExist: assignedId ? undefined : r.ifNoneExist, ifModifiedSince: r.ifModifiedSince },
    body,
    assignedId,
  };
}

function responseEntry(res: FhirResponse, preference: ReturnPreference): BundleEntry {
  const entry: BundleEntry = {
    response: {
      status: `${res.status}${STATUS_TEXT[res.status] ? ' ' + STATUS_TEXT[res.status] : ''}`,
      location: res.location,
      etag: res.versionId ? `W/"${res.versionId}"` : undefined,
      lastModified: res.lastModified,
    },
  };
  if (res.status >= 400) {
    entry.response!.outcome = res.outcome;
    return entry;
  }
  const body = preferredBody(res, preference);
  if (body?.resourceType === 'OperationOutcome' && res.resource?.resourceType !== 'OperationOutcome') entry.response!.outcome = body;
  else if (body) entry.resource = body;
  return entry;
}
