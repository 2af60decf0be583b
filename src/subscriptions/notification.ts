import { randomUUID } from 'node:crypto';
import type { Bundle, BundleEntry, Parameters, ParametersParameter, Resource } from '@medplum/fhirtypes';
import type { PayloadContent } from './registry';

/**
 * The notification body: the R4 form of the Subscriptions R5 Backport IG's notification Bundle
 * (type history; first entry a Parameters "subscription-status", then one entry per event).
 * https://hl7.org/fhir/uv/subscriptions-backport/
 *
 * Event numbers count per subscription from 1 with no gaps, so a receiver sees at once whether it
 * missed one (`events-since-subscription-start`) and can drop one it already had.
 */

export interface QueuedEvent {
  eventNumber: number;
  resourceType: string;
  resourceId: string;
  versionId: number;
  method: string;
  queuedAt: Date;
  /** The version's content (null for a deletion). */
  content: Resource | null;
}

const STATUS_PROFILE = 'http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition/backport-subscription-status-r4';
const STATUS_CODE: Record<string, string> = { POST: '201', PUT: '200', PATCH: '200', DELETE: '204' };

export function notificationBundle(baseUrl: string, subscriptionId: string, totalEvents: number, events: QueuedEvent[], payload: PayloadContent): Bundle {
  const status: Parameters = {
    resourceType: 'Parameters',
    meta: { profile: [STATUS_PROFILE] },
    parameter: [
      { name: 'subscription', valueReference: { reference: `${baseUrl}/Subscription/${subscriptionId}` } },
      { name: 'status', valueCode: 'active' },
      { name: 'type', valueCode: 'event-notification' },
      { name: 'events-since-subscription-start', valueString: String(totalEvents) },
      ...events.map((e) => notificationEvent(baseUrl, e, payload)),
    ],
  };
  const entries: BundleEntry[] = payload === 'empty' ? [] : events.map((e) => eventEntry(baseUrl, e, payload));
  return {
    resourceType: 'Bundle',
    type: 'history',
    timestamp: new Date().toISOString(),
    entry: [
      { fullUrl: `urn:uuid:${randomUUID()}`, resource: status, request: { method: 'GET', url: `Subscription/${subscriptionId}/$status` }, response: { status: '200' } },
      ...entries,
    ],
  };
}

function notificationEvent(baseUrl: string, e: QueuedEvent, payload: PayloadContent): ParametersParameter {
  const part: ParametersParameter[] = [
    { name: 'event-number', valueString: String(e.eventNumber) },
    { name: 'timestamp', valueInstant: e.queuedAt.toISOString() },
  ];
  if (payload !== 'empty') part.push({ name: 'focus', valueReference: { reference: `${baseUrl}/${e.resourceType}/${e.resourceId}/_history/${e.versionId}` } });
  return { name: 'notification-event', part };
}

function eventEntry(baseUrl: string, e: QueuedEvent, payload: PayloadContent): BundleEntry {
  const deleted = e.method === 'DELETE';
  return {
    fullUrl: `${baseUrl}/${e.resourceType}/${e.resourceId}`,
    resource: payload === 'full-resource' && !deleted && e.content ? e.content : undefined,
    request: { method: deleted ? 'DELETE' : e.method === 'POST' ? 'POST' : 'PUT', url: deleted || e.method !== 'POST' ? `${e.resourceType}/${e.resourceId}` : e.resourceType },
    response: { status: STATUS_CODE[e.method] ?? '200', etag: `W/"${e.versionId}"` },
  };
}
