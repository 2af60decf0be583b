import fs from 'node:fs';
import path from 'node:path';
import { fhirFetch, startTestServer, type TestServer } from '../helpers/server';

/**
 * Loads the 50 Synthea transaction Bundles (../shared/fhir-data/synthea-r4-smart, 10,286
 * resources, 38 MB) over real HTTP, then checks that exactly what the Bundles hold was stored —
 * counted through the search API and directly in the `resource` table — and that every
 * `urn:uuid:` reference became a `Type/id` that can be read.
 */
const shared = path.resolve(__dirname, '../../..', 'shared');
const dataDir = path.join(shared, 'fhir-data/synthea-r4-smart');
const present = fs.existsSync(path.join(dataDir, 'bundles'));
const run = present ? describe : describe.skip;
if (!present) console.log(`synthea: skipped, ${dataDir} is absent (the shared test data sits beside the repository)`);

/** Bundles in flight at once: enough to overlap HTTP and database work, few enough for 2 cores. */
const CONCURRENCY = 4;
/** References (distinct targets) read back one by one. */
const SAMPLE = 300;

interface Loaded {
  file: string;
  bundle: any;
  status: number;
  response: any;
}

/** Every `reference` string in a resource, in document order, with its JSON path. */
function references(node: unknown, at = ''): { path: string; reference: string }[] {
  if (Array.isArray(node)) return node.flatMap((item, i) => references(item, `${at}[${i}]`));
  if (!node || typeof node !== 'object') return [];
  return Object.entries(node as Record<string, unknown>).flatMap(([key, value]) =>
    key === 'reference' && typeof value === 'string' ? [{ path: `${at}.${key}`, reference: value }] : references(value, `${at}.${key}`),
  );
}

/** The content a client owns: no id, no meta.versionId/lastUpdated, references blanked (compared apart). */
function clientContent(resource: any): unknown {
  const { id: _id, meta, ...rest } = resource;
  const { versionId: _v, lastUpdated: _l, ...ownMeta } = meta ?? {};
  const blank = (node: unknown): unknown =>
    Array.isArray(node)
      ? node.map(blank)
      : node && typeof node === 'object'
        ? Object.fromEntries(Object.entries(node).map(([k, v]) => [k, k === 'reference' ? '…' : blank(v)]))
        : node;
  return blank({ ...rest, meta: ownMeta });
}

function countByType(bundles: any[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const b of bundles) for (const e of b.entry) counts[e.resource.resourceType] = (counts[e.resource.resourceType] ?? 0) + 1;
  return counts;
}

/** `Type/id` from a Location such as http://host/fhir/Type/id/_history/1. */
function typeAndId(location: string): string {
  const m = /([A-Z][A-Za-z]+\/[A-Za-z0-9\-.]{1,64})\/_history\/\d+$/.exec(location);
  if (!m) throw new Error(`unexpected Location ${location}`);
  return m[1];
}

run('Synthea transaction Bundles load completely', () => {
  let server: TestServer;
  let loaded: Loaded[];
  let expected: Record<string, number>;
  /**
   * Per bundle: urn:uuid fullUrl → the `Type/id` the server gave it. Per bundle, because the same
   * Organization and Practitioner fullUrls recur in several bundles (SOURCE.md), each POSTed anew.
   */
  let assigned: Map<string, string>[];
  /**
   * What the server held before the load (the test server signs in staff, which makes
   * Practitioners, and audits requests): the load is judged by what it added.
   */
  let rowsBefore: Record<string, number>;
  let searchBefore: Record<string, number>;

  const tableCounts = async (): Promise<Record<string, number>> => {
    const rows = await server.db.query<{ resource_type: string; n: string }>(
      `SELECT resource_type, count(*) AS n FROM resource WHERE station_id = $1 AND NOT deleted GROUP BY resource_type`,
      [server.config.stationId],
    );
    return Object.fromEntries(rows.map((r) => [r.resource_type, Number(r.n)]));
  };
  const searchCounts = async (types: string[]): Promise<Record<string, number>> => {
    const counted: Record<string, number> = {};
    for (const type of types) {
      const summary = await fhirFetch(`${server.baseUrl}/${type}?_summary=count`);
      if (summary.status !== 200) throw new Error(`${type}?_summary=count answered ${summary.status}`);
      counted[type] = summary.body.total;
    }
    return counted;
  };

  beforeAll(async () => {
    server = await startTestServer();
    const files = fs.readdirSync(path.join(dataDir, 'bundles')).filter((f) => f.endsWith('.json')).sort();
    const bundles = files.map((file) => ({ file, bundle: JSON.parse(fs.readFileSync(path.join(dataDir, 'bundles', file), 'utf8')) }));
    expected = countByType(bundles.map((b) => b.bundle));
    loaded = new Array(bundles.length);
    assigned = bundles.map(() => new Map());
    rowsBefore = await tableCounts();
    searchBefore = await searchCounts(Object.keys(expected));
    let next = 0;
    const started = Date.now();
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < bundles.length) {
          const i = next++;
          const res = await fhirFetch(server.baseUrl, { method: 'POST', body: bundles[i].bundle });
          loaded[i] = { ...bundles[i], status: res.status, response: res.body };
        }
      }),
    );
    console.log(`synthea: ${bundles.length} bundles, ${bundles.reduce((n, b) => n + b.bundle.entry.length, 0)} resources loaded in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }, 1_200_000);
  afterAll(() => server?.close());

  test('the shared data is what the manifest describes (50 bundles, 10,286 resources)', () => {
    const manifest = JSON.parse(fs.readFileSync(path.join(dataDir, 'manifest.json'), 'utf8'));
    expect(loaded).toHaveLength(50);
    expect(expected).toEqual(manifest.totalResourceCounts);
    expect(Object.values(expected).reduce((a, b) => a + b, 0)).toBe(10_286);
  });

  test('every bundle answers 200 with a transaction-response of 201 entries', () => {
    const failures: string[] = [];
    for (const [b, { file, bundle, status, response }] of loaded.entries()) {
      if (status !== 200 || response?.type !== 'transaction-response') {
        failures.push(`${file}: HTTP ${status} ${JSON.stringify(response?.issue ?? response?.type).slice(0, 500)}`);
        continue;
      }
      if (response.entry?.length !== bundle.entry.length) failures.push(`${file}: ${response.entry?.length} response entries for ${bundle.entry.length}`);
      response.entry.forEach((e: any, i: number) => {
        if (!/^201\b/.test(e.response?.status)) failures.push(`${file} entry ${i}: ${e.response?.status}`);
        const source = bundle.entry[i];
        const target = typeAndId(e.response.location);
        if (!target.startsWith(`${source.resource.resourceType}/`)) failures.push(`${file} entry ${i}: ${source.resource.resourceType} stored as ${target}`);
        assigned[b].set(source.fullUrl, target);
      });
    }
    expect(failures).toEqual([]);
    expect(assigned.reduce((n, m) => n + m.size, 0)).toBe(10_286);
    // Distinct ids: a POST never reuses an id, even for the same fullUrl in another bundle.
    expect(new Set(assigned.flatMap((m) => [...m.values()])).size).toBe(10_286);
  });

  test('search counts per type grew by exactly the bundles’ counts', async () => {
    const after = await searchCounts(Object.keys(expected));
    const added = Object.fromEntries(Object.keys(expected).map((type) => [type, after[type] - (searchBefore[type] ?? 0)]));
    expect(added).toEqual(expected);
    // _total=accurate on a normal search page agrees with _summary=count.
    const observations = await fhirFetch(`${server.baseUrl}/Observation?_total=accurate&_count=1`);
    expect(observations.body.total).toBe(after.Observation);
    expect(observations.body.entry).toHaveLength(1);
  });

  test('the resource table gained exactly those rows; nothing else changed but the audit trail', async () => {
    const after = await tableCounts();
    const types = new Set([...Object.keys(after), ...Object.keys(rowsBefore)]);
    // AuditEvent: the server records its own audit trail of every request, so it grows too.
    types.delete('AuditEvent');
    const added = Object.fromEntries([...types].map((type) => [type, (after[type] ?? 0) - (rowsBefore[type] ?? 0)]).filter(([, n]) => n !== 0));
    expect(added).toEqual(expected);
  });

  test('each loaded resource is one live row at version 1 with one history row', async () => {
    const ids = assigned.flatMap((m) => [...m.values()].map((ref) => ref.split('/')[1]));
    const rows = await server.db.query<{ resource_type: string; n: string; deleted: string; later: string }>(
      `SELECT resource_type, count(*) AS n, count(*) FILTER (WHERE deleted) AS deleted, count(*) FILTER (WHERE version_id <> 1) AS later
         FROM resource WHERE station_id = $1 AND id = ANY($2::text[]) GROUP BY resource_type`,
      [server.config.stationId, ids],
    );
    expect(Object.fromEntries(rows.map((r) => [r.resource_type, Number(r.n)]))).toEqual(expected);
    expect(rows.filter((r) => Number(r.deleted) > 0 || Number(r.later) > 0)).toEqual([]);
    const [history] = await server.db.query<{ n: string }>(`SELECT count(*) AS n FROM resource_history WHERE station_id = $1 AND id = ANY($2::text[])`, [
      server.config.stationId,
      ids,
    ]);
    expect(Number(history.n)).toBe(10_286);
  });

  test('no stored resource keeps a urn:uuid reference', async () => {
    const count = async (target: string): Promise<number> => {
      const [row] = await server.db.query<{ n: string }>(
        `SELECT count(*) AS n FROM resource WHERE station_id = $1 AND content::text ~ ('"reference"\\s*:\\s*"' || $2)`,
        [server.config.stationId, target],
      );
      return Number(row.n);
    };
    expect(await count('urn:uuid:')).toBe(0);
    // The same pattern does find the rewritten references (every resource but Patient,
    // Organization and Practitioner points at something), so a zero above means something.
    expect(await count('Patient/')).toBeGreaterThan(9_000);
  });

  test('urn:uuid references were rewritten to the assigned Type/id, and those read back 200', async () => {
    // Every reference of the first bundle, compared one by one against what was stored.
    const first = loaded[0].bundle;
    let compared = 0;
    for (const [i, entry] of first.entry.entries()) {
      const stored = await fhirFetch(`${server.baseUrl}/${assigned[0].get(entry.fullUrl)}`);
      expect(stored.status).toBe(200);
      const want = references(entry.resource).map((r) => ({ ...r, reference: r.reference.startsWith('urn:uuid:') ? assigned[0].get(r.reference) : r.reference }));
      expect({ entry: i, refs: references(stored.body) }).toEqual({ entry: i, refs: want });
      compared += want.length;
      // Apart from references, id and server meta, the content is what was sent.
      expect(clientContent(stored.body)).toEqual(clientContent(entry.resource));
    }
    expect(compared).toBeGreaterThan(100);

    // A spread of distinct targets across all bundles must resolve and read back.
    const targets = [
      ...new Set(
        loaded.flatMap((l, b) => l.bundle.entry.flatMap((e: any) => references(e.resource).filter((r) => r.reference.startsWith('urn:uuid:')).map((r) => `${b} ${r.reference}`))),
      ),
    ].sort();
    const step = Math.max(1, Math.floor(targets.length / SAMPLE));
    const sample = targets.filter((_, i) => i % step === 0).slice(0, SAMPLE);
    expect(sample.length).toBe(Math.min(SAMPLE, targets.length));
    const unreadable: string[] = [];
    for (const key of sample) {
      const [b, urn] = key.split(' ');
      const target = assigned[Number(b)].get(urn);
      if (!target) {
        unreadable.push(`${loaded[Number(b)].file} ${urn}: not a fullUrl of any entry`);
        continue;
      }
      const res = await fhirFetch(`${server.baseUrl}/${target}`);
      if (res.status !== 200 || `${res.body.resourceType}/${res.body.id}` !== target) unreadable.push(`${urn} → ${target}: HTTP ${res.status}`);
    }
    expect(unreadable).toEqual([]);
  });

  test('contained references (#referral, #coverage) are left as they were', async () => {
    const withContained = loaded.flatMap((l, b) =>
      l.bundle.entry.filter((e: any) => references(e.resource).some((r) => r.reference.startsWith('#'))).map((e: any) => ({ b, e })),
    );
    expect(withContained.length).toBeGreaterThan(0);
    for (const { b, e } of withContained.slice(0, 20)) {
      const stored = await fhirFetch(`${server.baseUrl}/${assigned[b].get(e.fullUrl)}`);
      const local = (r: { reference: string }[]) => r.filter((x) => x.reference.startsWith('#'));
      expect(local(references(stored.body))).toEqual(local(references(e.resource)));
      const ids = (r: any) => (r.contained ?? []).map((c: any) => `${c.resourceType}/${c.id}`);
      expect(ids(stored.body)).toEqual(ids(e.resource));
    }
  });
});
