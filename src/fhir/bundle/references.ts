import type { BundleEntry } from '@medplum/fhirtypes';
import { badRequest, echoed } from '../outcomes';
import type { Repository } from '../store/repository';
import { entryFailure } from './failure';
import { splitUrl } from './links';
import { visitPatchLinks, visitResourceLinks, type Holder, type LinkVisitor } from './link-sites';
import { entryBody } from './patch-entry';
import type { Targets } from './targets';

/** fullUrl (urn:uuid:… or absolute) → `Type/id` it resolves to inside this transaction. */
export type ReferenceMap = Map<string, string>;

const CONDITIONAL = /^([A-Z][A-Za-z]+)\?(.+)$/;

/**
 * Rewrites the links in each entry's body (its resource, or a PATCH's operations) and returns the
 * bodies. R4 (http.html#trules) has a transaction replace every link to another entry, found by
 * type (link-sites.ts):
 * - references: fullUrls of other entries become `Type/id`; conditional references
 *   (`Patient?identifier=…`) become the one resource they match (none or several → 412, and the
 *   transaction fails, naming the entry); a `urn:uuid:`/`urn:oid:` that is no entry's fullUrl → 400;
 * - elements of type uri, url, oid and uuid, and a@href / img@src in the narrative, that are an
 *   entry's fullUrl become its `Type/id`; any other value stays (a `urn:uuid:` there may be a value
 *   of its own, an identifier system, not a pointer into the Bundle).
 * In place: the bodies are the request's own parse, read by nothing after this, and a copy of each
 * (structuredClone) was ~2 % of the server's CPU on a Synthea load.
 */
export async function resolveReferences(
  entries: BundleEntry[],
  { refs, deleted }: Pick<Targets, 'refs' | 'deleted'>,
  repo: Repository,
  baseUrl: string,
): Promise<unknown[]> {
  const conditional = new Map<string, string>();
  const bodies: unknown[] = [];
  for (const [i, entry] of entries.entries()) {
    try {
      const body = entryBody(entry, i);
      const references: Holder[] = [];
      visitLinks(entry, body, baseUrl, (kind, holder, key) => {
        const value = holder[key] as string;
        if (kind === 'reference') references.push(holder);
        else if (kind === 'narrative') holder[key] = rewriteNarrative(value, refs);
        else holder[key] = rewriteUri(kind, value, refs);
      });
      for (const holder of references) holder.reference = await resolveReference(holder.reference as string, i, { refs, deleted }, conditional, repo, baseUrl);
      bodies.push(body);
    } catch (err) {
      throw entryFailure(err, i);
    }
  }
  return bodies;
}

/** Visits the links of an entry's body: a resource's, or a JSON Patch's, typed by the resource it patches. */
export function visitLinks(entry: BundleEntry, body: unknown, baseUrl: string, visit: LinkVisitor): void {
  if (!Array.isArray(body)) return visitResourceLinks(body, visit);
  const [path] = splitUrl(entry.request!.url!, baseUrl);
  visitPatchLinks(body, path.split('/')[0], visit);
}

/**
 * What one reference becomes; `conditional` remembers each conditional reference's match. A
 * conditional reference does not find what a DELETE entry deletes: the reference would name a
 * deleted resource (none left → 412).
 */
async function resolveReference(
  ref: string,
  i: number,
  { refs, deleted }: Pick<Targets, 'refs' | 'deleted'>,
  conditional: Map<string, string>,
  repo: Repository,
  baseUrl: string,
): Promise<string> {
  const mapped = refs.get(ref);
  if (mapped) return mapped;
  if (ref.startsWith('urn:uuid:') || ref.startsWith('urn:oid:')) {
    throw badRequest(`Mục ${i}: tham chiếu ${echoed(ref)} không có trong giao dịch`, `Entry ${i}: reference ${echoed(ref)} is not a fullUrl in this transaction`);
  }
  const m = conditionalReference(ref, baseUrl);
  if (!m) return ref;
  if (!conditional.has(ref)) {
    repo.requireSearch(m.type);
    conditional.set(ref, `${m.type}/${await repo.findConditionalMatch(m.type, m.criteria, true, deleted)}`);
  }
  return conditional.get(ref)!;
}

/** A conditional reference's type and criteria (`Patient?identifier=…`); undefined for any other reference. */
export function conditionalReference(ref: string, baseUrl: string): { type: string; criteria: string } | undefined {
  const [path, query] = splitUrl(ref, baseUrl);
  const m = CONDITIONAL.exec(query ? `${path}?${query}` : path);
  return m ? { type: m[1], criteria: m[2] } : undefined;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * A uri, url, oid or uuid element's value, an entry's fullUrl replaced by what the element's type
 * can hold of that entry's identity: `Type/id` in a uri or url; in a uuid (which must read
 * `urn:uuid:…`) the id as `urn:uuid:<id>` when it is a UUID, as every id the server assigns is.
 * An oid (`urn:oid:…`) can hold no resource id, so stays — as would a uuid naming a resource
 * whose client-chosen id is no UUID: the replacement would make the resource invalid.
 */
function rewriteUri(type: 'uri' | 'url' | 'oid' | 'uuid', value: string, refs: ReferenceMap): string {
  const mapped = refs.get(value);
  if (!mapped || type === 'oid') return value;
  if (type !== 'uuid') return mapped;
  const id = mapped.slice(mapped.indexOf('/') + 1);
  return UUID.test(id) ? `urn:uuid:${id}` : value;
}

/** An a@href or img@src attribute of XHTML, with its quote. */
const NARRATIVE_LINK = /(<a\b[^>]*?\shref|<img\b[^>]*?\ssrc)(\s*=\s*)(["'])(.*?)\3/gi;

/** The narrative with each a@href and img@src that is an entry's fullUrl replaced by its `Type/id`. */
function rewriteNarrative(div: string, refs: ReferenceMap): string {
  return div.replace(NARRATIVE_LINK, (all, attribute: string, equals: string, quote: string, url: string) => {
    const mapped = refs.get(url);
    return mapped ? `${attribute}${equals}${quote}${mapped}${quote}` : all;
  });
}
