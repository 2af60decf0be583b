import fs from 'node:fs';
import path from 'node:path';
import type { Bundle, Resource } from '@medplum/fhirtypes';
import type { Transaction } from '../../src/db/database';
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
  return (res.body as Bundle).entry!.map((e) => e.resource as Resource);
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

/** The shared data folder (a sibling of the repository), or undefined when absent. */
export function sharedDir(): string | undefined {
  const dir = path.resolve(__dirname, '../..', '../shared');
  return fs.existsSync(dir) ? dir : undefined;
}

/** One node of `EXPLAIN (FORMAT JSON)`, with the fields the tests read. */
export interface PlanNode {
  'Index Name'?: string;
  'Actual Loops'?: number;
  Plans?: PlanNode[];
}

/** Every node of a plan, depth first. */
export function planNodes(node: PlanNode): PlanNode[] {
  return [node, ...(node.Plans ?? []).flatMap(planNodes)];
}

class RolledBack extends Error {
  constructor(readonly plan: PlanNode) {
    super('rolled back');
  }
}

/**
 * The plan of `sql` over rows that `setup` writes and that are rolled back afterwards: a station's
 * proportions, made by SQL in a transaction, for a plan PostgreSQL only chooses at that size.
 * `analyze` runs the statement (EXPLAIN ANALYZE), so the plan shows loops as run.
 */
export async function explainRolledBack(
  server: TestServer,
  setup: (tx: Transaction) => Promise<void>,
  sql: string,
  params: unknown[],
  analyze = false,
): Promise<PlanNode> {
  const outcome = await server.db
    .transaction(async (tx) => {
      await setup(tx);
      await tx.query('ANALYZE');
      const [row] = await tx.query<{ 'QUERY PLAN': unknown }>(`EXPLAIN (${analyze ? 'ANALYZE, ' : ''}FORMAT JSON) ${sql}`, params);
      const raw = row['QUERY PLAN'];
      throw new RolledBack(((typeof raw === 'string' ? JSON.parse(raw) : raw) as { Plan: PlanNode }[])[0].Plan);
    })
    .catch((err: unknown) => err);
  if (!(outcome instanceof RolledBack)) throw outcome;
  return outcome.plan;
}
