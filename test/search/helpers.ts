import fs from 'node:fs';
import path from 'node:path';
import type { Bundle, Resource } from '@medplum/fhirtypes';
import type { Transaction } from '../../src/db/database';
import type { PlanContext } from '../../src/fhir/search/plan';
import { fhirFetch, type TestServer } from '../helpers/server';

/** Writes resources through a transaction Bundle (the real write path); returns them as stored. */
export async function seed(server: TestServer, resources: Resource[]): Promise<Resource[]> {
  const res = await fhirFetch(`${server.baseUrl}`, {
    method: 'POST',
    body: {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: resources.map((resource) =>
        resource.id
          ? { resource, request: { method: 'PUT', url: `${resource.resourceType}/${resource.id}` } }
          : { resource, request: { method: 'POST', url: resource.resourceType } },
      ),
    },
    headers: { prefer: 'return=representation' },
  });
  if (res.status !== 200) throw new Error(`seed failed: ${res.status} ${JSON.stringify(res.body).slice(0, 2000)}`);
  return ((res.body as Bundle).entry ?? []).map((e) => e.resource as Resource);
}

/** GET a search (relative to the base) and return the bundle, failing loudly on a non-200. */
export async function search(server: TestServer, query: string, headers: Record<string, string> = {}): Promise<Bundle> {
  const res = await fhirFetch(`${server.baseUrl}/${query}`, { headers });
  if (res.status !== 200) throw new Error(`${query} → ${res.status} ${JSON.stringify(res.body).slice(0, 1000)}`);
  return res.body as Bundle;
}

/** Ids of the `match` entries of a search's first page, sorted. */
export async function matchIds(server: TestServer, query: string): Promise<string[]> {
  const bundle = await search(server, query);
  return idsOf(bundle, 'match').sort();
}

export function idsOf(bundle: Bundle, mode: 'match' | 'include' = 'match'): string[] {
  return (bundle.entry ?? []).filter((e) => e.search?.mode === mode).map((e) => e.resource!.id!);
}

/** Follows next links to the end; every match id in order of appearance. */
export async function pageAll(server: TestServer, query: string): Promise<string[]> {
  const ids: string[] = [];
  let url: string | undefined = `${server.baseUrl}/${query}`;
  while (url) {
    const res = await fhirFetch(url);
    if (res.status !== 200) throw new Error(`${url} → ${res.status} ${JSON.stringify(res.body).slice(0, 500)}`);
    ids.push(...idsOf(res.body as Bundle));
    url = (res.body as Bundle).link?.find((l) => l.relation === 'next')?.url;
  }
  return ids;
}

/** What the planner needs of a test server's station (buildSearchPlan). */
export const planContextOf = (server: TestServer): PlanContext => ({ stationId: server.config.stationId, timeZone: server.config.timeZone, baseUrl: server.baseUrl });

/** The shared data folder (a sibling of the repository), or undefined when absent. */
export function sharedDir(): string | undefined {
  const dir = path.resolve(__dirname, '../..', '../shared');
  return fs.existsSync(dir) ? dir : undefined;
}

/** One node of `EXPLAIN (FORMAT JSON)`, with the fields the tests read. */
export interface PlanNode {
  'Node Type'?: string;
  'Index Name'?: string;
  'Actual Loops'?: number;
  'Actual Rows'?: number;
  'Rows Removed by Filter'?: number;
  Plans?: PlanNode[];
}

/** Every node of a plan, depth first. */
export function planNodes(node: PlanNode): PlanNode[] {
  return [node, ...(node.Plans ?? []).flatMap(planNodes)];
}

/** The most rows any of `nodes` returned (per loop, as EXPLAIN counts them). */
export function mostRows(nodes: PlanNode[]): number {
  return Math.max(...nodes.map((n) => n['Actual Rows'] ?? 0));
}

class RolledBack extends Error {
  constructor(readonly plan: PlanNode) {
    super('rolled back');
  }
}

/**
 * The plan of `sql` over rows that `setup` writes and that are rolled back afterwards: a station's
 * proportions, made by SQL in a transaction, for a plan PostgreSQL only chooses at that size.
 * `analyze` runs the statement (EXPLAIN ANALYZE), so the plan shows loops as run. `generic` plans
 * it as a prepared statement that has turned generic (prepared.ts), blind to the values.
 */
export async function explainRolledBack(
  server: TestServer,
  setup: (tx: Transaction) => Promise<void>,
  sql: string,
  params: unknown[],
  analyze = false,
  generic = false,
): Promise<PlanNode> {
  const options = `${analyze ? 'ANALYZE, ' : ''}FORMAT JSON`;
  const outcome = await server.db
    .transaction(async (tx) => {
      await setup(tx);
      await tx.query('ANALYZE');
      let raw: unknown;
      if (generic) {
        await tx.query('SET LOCAL plan_cache_mode = force_generic_plan');
        await tx.query(`PREPARE explained_generic AS ${sql}`);
        try {
          [{ 'QUERY PLAN': raw }] = await tx.query<{ 'QUERY PLAN': unknown }>(`EXPLAIN (${options}) EXECUTE explained_generic (${params.map(literal).join(', ')})`);
        } finally {
          await tx.query('DEALLOCATE explained_generic');
        }
      } else {
        [{ 'QUERY PLAN': raw }] = await tx.query<{ 'QUERY PLAN': unknown }>(`EXPLAIN (${options}) ${sql}`, params);
      }
      throw new RolledBack(((typeof raw === 'string' ? JSON.parse(raw) : raw) as { Plan: PlanNode }[])[0].Plan);
    })
    .catch((err: unknown) => err);
  if (!(outcome instanceof RolledBack)) throw outcome;
  return outcome.plan;
}

/** A bound value written as an SQL literal, for EXECUTE (strings, numbers and text arrays: what a search or a write binds here). */
function literal(value: unknown): string {
  if (typeof value === 'number') return String(value);
  if (typeof value === 'string') return `'${value.replace(/'/g, "''")}'`;
  if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return `ARRAY[${value.map(literal).join(', ')}]::text[]`;
  throw new Error(`no literal for ${JSON.stringify(value)}`);
}

/** How many of resident p-1's observations insertResidentObservations makes weights. */
export const RESIDENT_WEIGHTS = 40;

/**
 * A station's observations as index rows, by SQL: 20,150 Observations, 150 of them resident p-1's
 * (RESIDENT_WEIGHTS of those weights, LOINC 29463-7), the rest spread over 200 others, and a weight
 * in every 4 of 15 (5,373 in all); each with a date an hour before the previous one and an
 * identifier of its own. The identifiers are what a real station's token rows are full of: they
 * make `code` a column of thousands of distinct values, so that a plan blind to the values takes
 * any code for about one row.
 */
export async function insertResidentObservations(tx: Transaction, station: string): Promise<void> {
  const rows = Array.from({ length: 20_150 }, (_, i) => ({
    id: `obs-${i}`,
    patient: i < 150 ? 'p-1' : `p-${2 + (i % 200)}`,
    code: i % 15 < 4 ? '29463-7' : '8302-2',
  }));
  const ids = rows.map((r) => r.id);
  await tx.query(
    `INSERT INTO resource (station_id, resource_type, id, version_id, seq, last_updated, deleted, content)
     SELECT $1, 'Observation', id, 1, nextval('resource_seq'), now(), false, '{}' FROM unnest($2::text[]) id`,
    [station, ids],
  );
  await tx.query(
    `INSERT INTO idx_reference (station_id, resource_type, resource_id, param, target_type, target_id)
     SELECT $1, 'Observation', id, 'subject', 'Patient', p FROM unnest($2::text[], $3::text[]) t(id, p)`,
    [station, ids, rows.map((r) => r.patient)],
  );
  await tx.query(
    `INSERT INTO idx_token (station_id, resource_type, resource_id, param, system, code)
     SELECT $1, 'Observation', id, 'code', 'http://loinc.org', c FROM unnest($2::text[], $3::text[]) t(id, c)
     UNION ALL SELECT $1, 'Observation', id, 'identifier', 'urn:station:lab', 'lab-' || id FROM unnest($2::text[]) id`,
    [station, ids, rows.map((r) => r.code)],
  );
  await tx.query(
    `INSERT INTO idx_date (station_id, resource_type, resource_id, param, lo, hi)
     SELECT $1, 'Observation', id, 'date', now() - n * interval '1 hour', now() - n * interval '1 hour' FROM unnest($2::text[]) WITH ORDINALITY t(id, n)`,
    [station, ids],
  );
}
