import { getSearchParameter, matchesSearchRequest, parseSearchRequest, type SearchRequest } from '@medplum/core';
import type { Resource } from '@medplum/fhirtypes';

/**
 * A Subscription's criteria (`Appointment?status=booked`, `Encounter?class=VR`), evaluated in
 * memory against each version of a resource as it was written (the index tables only know the
 * current version), with @medplum/core's search matcher.
 *
 * Every parameter must be one the matcher knows (base R4 search parameters, no chains, no
 * `_has`): a criteria it would silently never match is refused when the subscription is taken up.
 */

/** Types nobody subscribes to: the audit trail and subscriptions themselves (each notification changes them). */
const UNSUBSCRIBABLE = new Set(['AuditEvent', 'Subscription']);

export interface Criteria {
  resourceType: string;
  request: SearchRequest;
}

export type ParsedCriteria = Criteria | { problem: { vi: string; en: string } };

export function parseCriteria(criteria: string | undefined, resourceTypes: ReadonlySet<string>): ParsedCriteria {
  const text = criteria?.trim() ?? '';
  const resourceType = text.split('?')[0];
  if (!resourceTypes.has(resourceType)) {
    return { problem: { vi: `Tiêu chí phải bắt đầu bằng một loại tài nguyên, ví dụ Appointment?status=booked (nhận được "${text}")`, en: `criteria must start with a resource type, e.g. Appointment?status=booked (got "${text}")` } };
  }
  if (UNSUBSCRIBABLE.has(resourceType)) {
    return { problem: { vi: `Không nhận đăng ký thông báo về ${resourceType}`, en: `${resourceType} cannot be subscribed to` } };
  }
  let request: SearchRequest;
  try {
    request = parseSearchRequest(text);
  } catch {
    return { problem: { vi: `Tiêu chí không đọc được: ${text}`, en: `criteria cannot be parsed: ${text}` } };
  }
  const unknown = (request.filters ?? []).filter((f) => f.code.includes('.') || !getSearchParameter(resourceType, f.code.split(':')[0]));
  if (unknown.length) {
    const names = unknown.map((f) => f.code).join(', ');
    return { problem: { vi: `Tiêu chí có tham số không hỗ trợ cho thông báo: ${names}`, en: `criteria parameters not supported for notifications: ${names}` } };
  }
  return { resourceType, request };
}

/** Whether this version of a resource meets the criteria. */
export function matches(criteria: Criteria, resource: Resource): boolean {
  return resource.resourceType === criteria.resourceType && matchesSearchRequest(resource, criteria.request);
}
