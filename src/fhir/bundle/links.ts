import type { BundleLink } from '@medplum/fhirtypes';

/** A link to `path` under the base with the given query pairs. */
export function link(relation: string, baseUrl: string, path: string, query: [string, string][]): BundleLink {
  const qs = new URLSearchParams(query).toString();
  return { relation, url: `${baseUrl}${path ? '/' + path : ''}${qs ? '?' + qs : ''}` };
}

/** Splits an entry URL (relative, or absolute under our base) into path and query. */
export function splitUrl(url: string, baseUrl: string): [string, string] {
  let relative = url.startsWith(baseUrl + '/') ? url.slice(baseUrl.length + 1) : url;
  relative = relative.replace(/^\/+/, '');
  const q = relative.indexOf('?');
  return q < 0 ? [relative, ''] : [relative.slice(0, q), relative.slice(q + 1)];
}
