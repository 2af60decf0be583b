import type { Bundle, BundleEntry } from '@medplum/fhirtypes';
import { link } from '../bundle/links';
import { badRequest, bilingual } from '../outcomes';
import type { Interaction } from '../request';
import { shapeResource } from '../search/shape';

/**
 * search: GET [type]?…, POST [type]/_search. Parameters that cannot be served are left out of the
 * self link and reported in an OperationOutcome entry; Prefer: handling=strict makes them a 400.
 */
export const search: Interaction = async (req, { type }, ctx) => {
  const sr = ctx.repo.parseSearch(type, req.query);
  if (sr.ignored.length && /handling\s*=\s*strict/i.test(req.headers.prefer ?? '')) {
    const names = sr.ignored.map((i) => `${i.name} (${i.reason})`).join(', ');
    throw badRequest(`Tham số tìm kiếm không được hỗ trợ: ${names}`, `Unsupported search parameters: ${names}`);
  }
  const result = await ctx.repo.search(sr);
  const entry: BundleEntry[] = result.resources.map((resource) => ({
    fullUrl: `${ctx.baseUrl}/${resource.resourceType}/${resource.id}`,
    resource: shapeResource(resource, sr),
    search: { mode: 'match' },
  }));
  if (sr.ignored.length) {
    const text = bilingual('Đã bỏ qua tham số', 'Ignored parameters') + ': ' + sr.ignored.map((i) => `${i.name} (${i.reason})`).join('; ');
    entry.push({
      resource: { resourceType: 'OperationOutcome', issue: [{ severity: 'warning', code: 'not-supported', diagnostics: text, details: { text } }] },
      search: { mode: 'outcome' },
    });
  }
  const links = [link('self', ctx.baseUrl, type, sr.cursor ? [...sr.applied, ['_cursor', sr.cursor]] : sr.applied)];
  links.push(link('first', ctx.baseUrl, type, sr.applied));
  if (result.next) links.push(link('next', ctx.baseUrl, type, [...sr.applied, ['_cursor', result.next]]));
  const bundle: Bundle = { resourceType: 'Bundle', type: 'searchset', link: links, entry };
  if (result.total !== undefined) bundle.total = result.total;
  return { status: 200, resource: bundle };
};
