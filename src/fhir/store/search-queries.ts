import { randomUUID } from 'node:crypto';
import type { Queryable } from '../../db/database';
import { OperationOutcomeError, badRequest, bilingual, outcome } from '../outcomes';

/**
 * Searches too long for their own paging links. A POST `_search` exists for queries a URL cannot
 * carry (thousands of `_id` values), yet its `self`/`next` links are GET URLs: a 10,000-id search
 * gave links of 89 kB, which this server (Node's 16 kB header limit) and any proxy refuse with 431,
 * so its second page could not be fetched. Such a query is kept in `search_query` and the links
 * carry only its key (`_search-ref`) and the cursor. A kept query answers only the actor who made
 * it (its text may name a resident) and is dropped after a day.
 */

/** The parameter naming a kept query in a paging link. */
export const SEARCH_REF_PARAM = '_search-ref';

/** Links longer than this (characters of the query string) name a kept query instead. */
export const MAX_LINK_QUERY = 4_096;

const KEPT_FOR = '1 day';

/** Keeps `pairs` for the actor's next pages; returns its key. Expired queries of the station go in the same statement. */
export async function keepSearchQuery(q: Queryable, stationId: string, actor: string, pairs: [string, string][]): Promise<string> {
  const id = randomUUID();
  await q.query(
    `WITH expired AS (DELETE FROM search_query WHERE station_id = $1 AND created < now() - interval '${KEPT_FOR}')
     INSERT INTO search_query (station_id, id, actor, query) VALUES ($1, $2, $3, $4)`,
    [stationId, id, actor, new URLSearchParams(pairs).toString()],
  );
  return id;
}

/**
 * The query a link names, with the link's other parameters (its cursor) after it; `query` as it is
 * when it names none. Another actor's key, or an expired one, is a 410: the link is gone.
 */
export async function expandSearchQuery(q: Queryable, stationId: string, actor: string, query: [string, string][]): Promise<[string, string][]> {
  const refs = query.filter(([key]) => key === SEARCH_REF_PARAM);
  if (refs.length === 0) return query;
  if (refs.length > 1) throw badRequest(`Chỉ một ${SEARCH_REF_PARAM}`, `Only one ${SEARCH_REF_PARAM} is allowed`, [SEARCH_REF_PARAM]);
  const [row] = await q.query<{ query: string }>(
    `SELECT query FROM search_query WHERE station_id = $1 AND id = $2 AND actor = $3 AND created >= now() - interval '${KEPT_FOR}'`,
    [stationId, refs[0][1], actor],
  );
  if (!row) {
    const text = bilingual('Liên kết trang đã hết hạn; hãy tìm kiếm lại', 'This paging link has expired; run the search again');
    throw new OperationOutcomeError(outcome('error', 'not-found', text, [SEARCH_REF_PARAM]), 410);
  }
  return [...([...new URLSearchParams(row.query)] as [string, string][]), ...query.filter(([key]) => key !== SEARCH_REF_PARAM)];
}
