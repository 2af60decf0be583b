import type { Bundle, Observation, Resource } from '@medplum/fhirtypes';
import { holdOpenTransaction } from '../helpers/database';
import { fhirFetch, startTestServer, type TestServer } from '../helpers/server';
import { search, seed } from './helpers';

// A search on _lastUpdated is how many apps sync (search/sync-point.ts, docs/search.md §5 "Sync
// points"): its Bundle.meta.lastUpdated is where the next `_lastUpdated=ge` starts.
describe('searches that sync: the sync point', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
    const observations = Array.from({ length: 7 }, (_, i): Resource => ({
      resourceType: 'Observation',
      id: `can-nang-${i}`,
      status: 'final',
      code: { text: 'Cân nặng' },
      subject: { reference: 'Patient/lan' },
      valueQuantity: { value: 40 + i, unit: 'kg' },
    }));
    await seed(server, [{ resourceType: 'Patient', id: 'lan', name: [{ family: 'Lò', given: ['Thị', 'Lan'] }] }, ...observations]);
  });
  afterAll(() => server.close());

  const since = (): string => new Date(Date.now() - 3_600_000).toISOString();

  test('every page of one answer gives the same point; the links carry it', async () => {
    const first = await search(server, `Observation?subject=Patient/lan&_lastUpdated=ge${encodeURIComponent(since())}&_count=3`);
    const point = first.meta?.lastUpdated;
    expect(point).toBeDefined();
    expect(Date.parse(point!)).toBeLessThanOrEqual(Date.now());
    const seen = first.entry!.map((e) => e.resource!.id);
    for (let next = first.link!.find((l) => l.relation === 'next')?.url; next; ) {
      expect(new URL(next).searchParams.get('_horizon')).toBe(point);
      const page = (await fhirFetch(next)).body as Bundle;
      expect(page.meta?.lastUpdated).toBe(point);
      seen.push(...page.entry!.map((e) => e.resource!.id));
      next = page.link!.find((l) => l.relation === 'next')?.url;
    }
    expect(seen.sort()).toEqual(Array.from({ length: 7 }, (_, i) => `can-nang-${i}`));
  });

  test('a search that does not sync gives no point; a stray _horizon is reported, a bad one refused', async () => {
    expect((await search(server, 'Observation?subject=Patient/lan')).meta?.lastUpdated).toBeUndefined();
    const carried = await fhirFetch(`${server.baseUrl}/Observation?subject=Patient/lan&_horizon=2026-01-01T00:00:00.000Z`);
    expect(carried.status).toBe(200);
    expect(carried.body.meta?.lastUpdated).toBeUndefined();
    expect(JSON.stringify(carried.body.entry.find((e: { search: { mode: string } }) => e.search.mode === 'outcome'))).toContain('_horizon');
    expect((await fhirFetch(`${server.baseUrl}/Observation?_lastUpdated=ge${encodeURIComponent(since())}&_horizon=yesterday`)).status).toBe(400);
  });

  // The embedded database has one connection: a transaction held open there blocks every request.
  // A transaction that started before the app's last point holds the horizon before it: the point
  // given stays where the app synced from (a point before it would hand back changes it has).
  (process.env.DATABASE_URL ? test : test.skip)('the point is never before the _lastUpdated=ge the app synced from (PostgreSQL only)', async () => {
    await server.engine.repo.flushAudit();
    const held = await holdOpenTransaction(server.db);
    try {
      await new Promise((r) => setTimeout(r, 20));
      const from = new Date().toISOString();
      const res = await search(server, `Observation?subject=Patient/lan&_lastUpdated=ge${encodeURIComponent(from)}`);
      expect(res.meta!.lastUpdated! >= from).toBe(true);
    } finally {
      await held.release();
    }
  });

  (process.env.DATABASE_URL ? test : test.skip)('a change still being written while the app syncs comes in the next sync (PostgreSQL only)', async () => {
    await server.engine.repo.flushAudit();
    let release!: () => void;
    const hold = new Promise<void>((r) => (release = r));
    let written!: (stamp: string) => void;
    const pending = new Promise<string>((r) => (written = r));
    const writing = server.engine.repo.withTransaction(async (repo) => {
      const current = (await repo.read('Observation', 'can-nang-3')) as Observation;
      const { resource } = await repo.update('Observation', 'can-nang-3', { ...current, valueQuantity: { value: 77, unit: 'kg' } } as Resource);
      written(resource.meta!.lastUpdated!);
      await hold;
    });
    let stamp: string;
    let point: string;
    const query = (from: string): string => `Observation?subject=Patient/lan&_lastUpdated=ge${encodeURIComponent(from)}`;
    try {
      stamp = await pending;
      const res = await search(server, query(new Date(Date.parse(stamp) - 60_000).toISOString()));
      point = res.meta!.lastUpdated!;
      expect(res.entry!.find((e) => e.resource!.id === 'can-nang-3')!.resource).toMatchObject({ valueQuantity: { value: 43 } });
      expect(Date.parse(stamp)).toBeLessThan(Date.now()); // the answer's time lies after the change
    } finally {
      release();
      await writing;
    }
    expect(point <= stamp).toBe(true);
    const next = await search(server, query(point));
    expect(next.entry!.find((e) => e.resource!.id === 'can-nang-3')?.resource).toMatchObject({ valueQuantity: { value: 77 } });
  });

  test('compartment and system searches on _lastUpdated give one too', async () => {
    const from = encodeURIComponent(since());
    expect((await search(server, `Patient/lan/Observation?_lastUpdated=ge${from}`)).meta?.lastUpdated).toBeDefined();
    expect((await search(server, `?_type=Observation&_lastUpdated=ge${from}`)).meta?.lastUpdated).toBeDefined();
  });
});
