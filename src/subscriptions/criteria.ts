import { getSearchParameter, matchesSearchRequest, parseSearchRequest, type SearchRequest } from '@medplum/core';
import type { Resource } from '@medplum/fhirtypes';

/**
 * A Subscription's criteria (`Appointment?status=booked`, `Encounter?class=VR`), evaluated in
 * memory against each version of a resource as it was written (the index tables only know the
 * current version), with @medplum/core's search matcher.
 *
 * Every parameter must be one the matcher knows (base R4 search parameters, no chains, no
 * `_has`), used as it honours it (HONOURED_MODIFIERS, COMPARED_TYPES below): a criteria it would silently never match, or
 * match unlike a search, is refused when the subscription is taken up.
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
  const unmatched = unmatchable(resourceType, text.slice(resourceType.length + 1), request);
  if (unmatched.length) {
    const names = unmatched.join(', ');
    return {
      problem: {
        vi: `Tiêu chí có tham số hoặc bổ ngữ không dùng được cho thông báo: ${names}`,
        en: `criteria use parameters or modifiers notifications cannot match: ${names}`,
      },
    };
  }
  const zoneless = (request.filters ?? []).filter((f) => getSearchParameter(resourceType, f.code)?.type === 'date' && f.operator !== 'missing' && !hasZone(f.value));
  if (zoneless.length) {
    const names = zoneless.map((f) => `${f.code}=${f.operator === 'eq' ? '' : f.operator}${f.value}`).join(', ');
    return {
      problem: {
        vi: `Ngày trong tiêu chí phải có giờ và múi giờ, ví dụ date=ge2026-11-30T17:00:00Z (nhận được ${names})`,
        en: `dates in criteria need a time and a zone, e.g. date=ge2026-11-30T17:00:00Z: notifications would read ${names} in UTC, not in the station's zone`,
      },
    };
  }
  return { resourceType, request };
}

/**
 * Whether every value of a date filter is an instant. The matcher reads a date without a zone
 * (`2026-12-01`) in UTC, so at a station seven hours ahead a visit at 03:00 on 1 December would not
 * be "on or after 1 December", as a search (which reads it in the station's zone) says it is.
 */
const hasZone = (value: string): boolean => value.split(',').every((v) => /T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(v));

/** Modifiers the matcher honours; any other (`:in`, `:below`, `:text`, `:Patient`…) it reads as an equality or drops. */
const HONOURED_MODIFIERS = new Set(['missing', 'not']);

/**
 * Parameter types the matcher compares as a search does (`:missing` it tests on any type). It never
 * matches number, quantity or composite parameters, and matches strings and uris as "contains,
 * ignoring case" but not accents: `name=nguyen` would never match Nguyễn, `url=http://a` would
 * match http://a/b.
 */
const COMPARED_TYPES = new Set(['token', 'reference', 'date']);

/** The criteria's parameters the matcher would not match as a search does. */
function unmatchable(resourceType: string, query: string, request: SearchRequest): string[] {
  // Read from the query itself: the parser drops some modifiers (`subject:Patient=a` becomes `subject=a`).
  const modifiers = [...new URLSearchParams(query).keys()].filter((key) => key.includes(':') && !HONOURED_MODIFIERS.has(key.slice(key.indexOf(':') + 1)));
  const types = (request.filters ?? [])
    .filter((f) => f.operator !== 'missing' && !COMPARED_TYPES.has(getSearchParameter(resourceType, f.code)?.type ?? ''))
    .map((f) => f.code);
  return [...new Set([...modifiers, ...types])];
}

/** Whether this version of a resource meets the criteria. */
export function matches(criteria: Criteria, resource: Resource): boolean {
  return resource.resourceType === criteria.resourceType && matchesSearchRequest(resource, criteria.request);
}
