import type { Bundle, BundleEntry } from '@medplum/fhirtypes';
import { link } from '../bundle/links';
import { badRequest, echoed } from '../outcomes';
import type { Interaction } from '../request';
import { DEFAULT_COUNT, MAX_COUNT } from '../search/parse';
import { rejectIgnoredIfStrict } from '../search/bundle';
import { dateRange, MAX_INSTANT, parseInstant } from '../search/dates';
import type { HistoryEntry } from '../store/history';

/**
 * history: GET [type]/[id]/_history, [type]/_history, _history with _since, _at, _count.
 * Newest first; pages continue below a sequence number inside a fixed horizon (store/history.ts),
 * and Bundle.meta.lastUpdated is that horizon: the `_since` for the client's next sync.
 */
export const history: Interaction = async (req, params, ctx) => {
  const { type, id } = params;
  if (type && id) await ctx.repo.readHeadOrFail(type, id);
  let count = DEFAULT_COUNT;
  let since: Date | undefined;
  let at: { lo: Date; hi: Date } | undefined;
  let page: { horizon: Date; beforeSeq: number } | undefined;
  const kept: [string, string][] = [];
  const ignored: { name: string; reason: string }[] = [];
  for (const [key, value] of req.query) {
    if (key === '_count') {
      count = Number(value);
      if (!Number.isInteger(count) || count < 0) throw badRequest(`_count không hợp lệ: ${echoed(value)}`, `Invalid _count: ${echoed(value)}`);
      count = Math.min(count, MAX_COUNT);
      kept.push([key, String(count)]);
    } else if (key === '_since') {
      const t = parseInstant(value);
      if (t === undefined) {
        throw badRequest(
          `_since phải là thời điểm đầy đủ, có giây và múi giờ (vd. 2026-01-31T08:00:00+07:00): ${value}`,
          `_since must be an instant, with seconds and a zone (e.g. 2026-01-31T08:00:00+07:00): ${value}`,
        );
      }
      since = new Date(t);
      kept.push([key, value]);
    } else if (key === '_at') {
      const r = dateRange(value, ctx.repo.ctx.timeZone);
      if (!r) throw badRequest(`_at không hợp lệ: ${echoed(value)}`, `Invalid _at: ${echoed(value)}`);
      at = { lo: new Date(r.lo), hi: new Date(r.hi) };
      kept.push([key, value]);
    } else if (key === '_page') {
      page = decodePage(value);
    } else ignored.push({ name: key, reason: 'not a parameter of history' });
  }
  // As a search's: ignored, unless the client asked for strict handling.
  rejectIgnoredIfStrict({ ignored }, req.headers.prefer);
  const path = [type, id, '_history'].filter(Boolean).join('/');
  const result = await ctx.repo.history({ resourceType: type, id, since, at, count, horizon: page?.horizon, beforeSeq: page?.beforeSeq }, new URLSearchParams(req.query).toString());
  const links = [link('self', ctx.baseUrl, path, page ? [...kept, ['_page', encodePage(result.horizon, page.beforeSeq)]] : kept)];
  if (result.nextBeforeSeq !== undefined) {
    links.push(link('next', ctx.baseUrl, path, [...kept, ['_page', encodePage(result.horizon, result.nextBeforeSeq)]]));
  }
  const bundle: Bundle = {
    resourceType: 'Bundle',
    type: 'history',
    meta: { lastUpdated: result.horizon.toISOString() },
    link: links,
  };
  if (result.entries.length) bundle.entry = result.entries.map((e) => historyEntry(e, ctx.baseUrl));
  return { status: 200, resource: bundle };
};

function historyEntry(e: HistoryEntry, baseUrl: string): BundleEntry {
  const entry: BundleEntry = {
    fullUrl: `${baseUrl}/${e.resourceType}/${e.id}`,
    request: { method: e.method as 'POST', url: e.method === 'POST' ? e.resourceType : `${e.resourceType}/${e.id}` },
    response: { status: e.created ? '201 Created' : '200 OK', etag: `W/"${e.versionId}"`, lastModified: e.lastUpdated.toISOString() },
  };
  if (e.content) entry.resource = e.content;
  return entry;
}

function encodePage(horizon: Date, beforeSeq: number): string {
  return `${horizon.getTime()}.${beforeSeq}`;
}

/**
 * Only what encodePage can have written: a horizon PostgreSQL can hold (up to year 9999) and a
 * sequence number JavaScript holds exactly (a larger one would reach the SQL as `1e+21`).
 */
function decodePage(value: string): { horizon: Date; beforeSeq: number } {
  const m = /^(\d+)\.(\d+)$/.exec(value);
  const horizon = Number(m?.[1]);
  const beforeSeq = Number(m?.[2]);
  if (!Number.isSafeInteger(horizon) || horizon > MAX_INSTANT || !Number.isSafeInteger(beforeSeq)) {
    throw badRequest(`Tham số _page không hợp lệ: ${echoed(value)}`, `Invalid _page: ${echoed(value)}`);
  }
  return { horizon: new Date(horizon), beforeSeq };
}
