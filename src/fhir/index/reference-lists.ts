import { ACCESS_LOG_TYPE } from './access-log';
import { tableName, type IndexRows } from './tables';

/**
 * The access log's references as one list per event (docs/search.md, "Reference lists").
 *
 * Every read and search writes an AuditEvent naming each resource it returned: twenty reference
 * rows for a page of twenty. As rows of idx_reference each took a heap row and a descent of
 * `idx_reference_lookup` to a leaf of its own (the targets are scattered), and they were most of
 * PostgreSQL's work for the record — more than half of a name search's (docs/search.md §8). So an
 * AuditEvent keeps its references as one row of idx_reference_list: the keys `param|Type/id`
 * (`param||url` for a reference that is not to a resource here), under a GIN index, where a
 * key shared by many events (a patient's, a user's) is one entry holding their row ids. A search by
 * target asks the index for those keys (`listOwners`); one that starts from the event reads its
 * list as rows (`REFERENCE_LIST_ROWS`), so every other reader of references sees the same rows.
 */

/** The types whose reference rows are kept as one list per resource. */
export const REFERENCE_LIST_TYPES: ReadonlySet<string> = new Set([ACCESS_LOG_TYPE]);

/** The table of the lists: (station, type, resource id) → keys. */
export const REFERENCE_LISTS = tableName('referenceList');

/**
 * SQL: the ids of `type`'s resources whose lists hold any of `keys` (a `text[]` expression), as a
 * relation `alias(resource_id)`, through the function the migration made: its fixed estimate
 * keeps one plan for every value (migrations/1767400000000-AccessLogReferenceLists.ts).
 */
export const listOwners = (station: string, type: string, keys: string, alias: string): string =>
  // In the ids' own collation ("C", as resource.id), so they compare with ids through the indexes.
  `(SELECT owner COLLATE "C" AS resource_id FROM reference_list_owners(${station}, '${type}', ${keys}) AS owner) ${alias}`;

/** A reference row's key: `param|Type/id`, or `param||url` (a url has no resource type to lead with). */
export function referenceKey(param: string, target: { targetType: string | null; targetId: string | null; url: string | null }): string | undefined {
  if (target.targetType !== null && target.targetId !== null) return `${param}|${target.targetType}/${target.targetId}`;
  return target.url !== null ? `${param}||${target.url}` : undefined;
}

/** For a type of REFERENCE_LIST_TYPES, moves its reference rows into one list (each key once, sorted: the same rows give the same list). */
export function packReferenceList(resourceType: string, rows: IndexRows): void {
  if (!REFERENCE_LIST_TYPES.has(resourceType)) return;
  const keys = new Set<string>();
  for (const row of rows.reference) {
    const key = referenceKey(row.param, row);
    if (key !== undefined) keys.add(key);
  }
  rows.reference = [];
  rows.referenceList = keys.size ? [{ keys: [...keys].sort() }] : [];
}

/**
 * The lists read as idx_reference rows (alias `i`'s columns: station_id, resource_type,
 * resource_id, param, target_type, target_id, url), for readers that start from the owning
 * resources: a condition on the owner reaches the list's own index; one on a target scans.
 */
export const REFERENCE_LIST_ROWS = `(SELECT l.station_id, l.resource_type, l.resource_id, k.param,
      CASE WHEN k.rest NOT LIKE '|%' THEN split_part(k.rest, '/', 1) END AS target_type,
      CASE WHEN k.rest NOT LIKE '|%' THEN substr(k.rest, strpos(k.rest, '/') + 1) END AS target_id,
      CASE WHEN k.rest LIKE '|%' THEN substr(k.rest, 2) END AS url
    FROM ${REFERENCE_LISTS} l CROSS JOIN LATERAL (SELECT split_part(key, '|', 1) AS param, substr(key, strpos(key, '|') + 1) AS rest
      FROM unnest(l.keys) AS key) k)`;

/** Where a parameter's rows are (index/stored-params.ts), as far as list keys need it. */
interface KeyRows {
  params: readonly string[];
  targetType?: string;
  types?: readonly string[];
}

/**
 * The keys a reference filter's rows would be in the lists of `types`: each parameter holding its
 * rows there (`rows`, else `code` itself) with each of `targets` (`Type/id`, `|url`, or a key's
 * `Type/` before an id SQL adds) it allows.
 */
export function referenceListKeys(types: readonly string[], code: string, rows: readonly KeyRows[] | undefined, targets: readonly string[]): string[] {
  const keys = new Set<string>();
  for (const group of rows ?? [{ params: [code] }]) {
    if (group.types && !group.types.some((type) => types.includes(type))) continue;
    for (const param of group.params) {
      for (const target of targets) if (!group.targetType || target.startsWith(`${group.targetType}/`)) keys.add(`${param}|${target}`);
    }
  }
  return [...keys];
}

/**
 * idx_reference's rows of resources of `types` (any type when empty), those of the types that keep
 * lists read from their lists, for readers that start from the owning resources.
 */
export function referenceRowsOf(types: readonly string[]): string {
  const listed = types.length ? types.filter((t) => REFERENCE_LIST_TYPES.has(t)) : [...REFERENCE_LIST_TYPES];
  if (!listed.length) return 'idx_reference';
  if (listed.length === types.length) return REFERENCE_LIST_ROWS;
  return `(SELECT station_id, resource_type, resource_id, param, target_type, target_id, url FROM idx_reference
    UNION ALL SELECT * FROM ${REFERENCE_LIST_ROWS} listed)`;
}
