import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { openDatabase } from '../src/db/datasource';
import type { Database } from '../src/db/database';
import { createFhirEngine, type FhirEngine } from '../src/fhir/engine';
import { startBenchServer, type Headers } from './lib/bench-server';
import { formatInt, formatMs, formatNumber, heading, table } from './lib/format';
import { repoRoot } from './lib/paths';
import type { CpuUse } from './lib/cpu';
import { assertReachable, createThrowawayDatabase, DEFAULT_DATABASE_URL, localBackendPids, redactUrl, serverSettings, type ThrowawayDatabase } from './lib/postgres';
import { newestProfile } from './lib/cpu-profile';
import { perfUnavailable, printPerfSummary, removePerfMap } from './lib/perf-profile';
import { profilingNodeArgs, startPhaseMeter } from './lib/phase-meter';
import { explainShape, timeInProcess, type Explained } from './generate/explain';
import { runPathLoad, type PathLoadResult } from './generate/load';
import { queryShapes, type QueryShape } from './generate/shapes';
import { buildTemplate, copyTemplate, databaseExists, templateName } from './generate/template';
import { planStation, writeStation, type Plan } from './generate/write';

/**
 * Search benchmark (issue 3): generates a station of synthetic residents (about 21 resources
 * each, deterministic seed) through the server's write path, then measures each query shape with
 * autocannon (p50/p95/p99, requests/s) and prints the EXPLAIN of every statement a shape sends,
 * flagging any sequential scan of a big table. Not a test: it prints figures beside the goals.
 *
 *   npm run bench:search -- --patients=2000 --seconds=10 --connections=10 --seed=1
 *
 * The real server runs as a child process over a throwaway PostgreSQL database (DATABASE_URL, or
 * the local default), dropped at the end unless --keep. Options for a large station:
 *
 *   --template       keep the generated station as database `ehr_search_t_<seed>_<patients>` and
 *                    measure on a copy of it (reads write audit records; the template never
 *                    changes); a later run with the same seed and size copies it instead of
 *                    generating. It is generated into `…_partial`, renamed when complete; a run
 *                    that died half-way leaves the `_partial`, which the next run resumes. Drop the
 *                    template (DROP DATABASE) after changing what the write path stores or indexes.
 *   --generate-only  with --template: make sure the template exists, measure nothing.
 *   --no-explain     skip the EXPLAIN section.
 *   --only=TEXT      measure only the query shapes whose name contains TEXT (e.g. `--only=name`).
 *   --cpu-prof       profile the measuring server (node --cpu-prof) and print the profile's path.
 *   --perf           record the server with Linux perf during each shape (time on a core only)
 *                    and print where its CPU went (lib/perf-profile.ts).
 */

interface Args {
  patients: number;
  seconds: number;
  connections: number;
  seed: number;
  keep: boolean;
  explain: boolean;
  template: boolean;
  generateOnly: boolean;
  /** Measure only the shapes whose name contains this text (for comparing builds on one shape). */
  only?: string;
  /** Folder for a CPU profile of the measuring server (node --cpu-prof), when asked. */
  profileDir?: string;
  /** Record the server with `perf` during each shape. */
  perf: boolean;
}

function parseArgs(argv: string[]): Args {
  const get = (name: string, fallback: number): number => {
    const arg = argv.find((a) => a.startsWith(`--${name}=`));
    const value = arg ? Number(arg.split('=')[1]) : fallback;
    if (!Number.isInteger(value) || value < 1) throw new Error(`--${name} must be a positive integer`);
    return value;
  };
  const generateOnly = argv.includes('--generate-only');
  return {
    patients: get('patients', 2000),
    seconds: get('seconds', 10),
    connections: get('connections', 10),
    seed: get('seed', 1),
    keep: argv.includes('--keep'),
    explain: !argv.includes('--no-explain'),
    template: generateOnly || argv.includes('--template'),
    generateOnly,
    only: argv.find((a) => a.startsWith('--only='))?.slice('--only='.length),
    profileDir: argv.includes('--cpu-prof') ? fs.mkdtempSync(path.join(os.tmpdir(), 'ehr-search-prof-')) : undefined,
    perf: argv.includes('--perf'),
  };
}

const loadAverage = (): string => os.loadavg().map((l) => l.toFixed(2)).join(' ');

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const noPerf = args.perf ? perfUnavailable() : undefined;
  if (noPerf) throw new Error(`--perf cannot record here: ${noPerf}`);
  const adminUrl = process.env.DATABASE_URL ?? DEFAULT_DATABASE_URL;
  await assertReachable(adminUrl);
  const plan = planStation(args.patients, args.seed);
  let db: ThrowawayDatabase;
  if (args.template) {
    const template = templateName(args.seed, args.patients);
    if (await databaseExists(adminUrl, template)) console.log(`Template ${template} exists: not generating`);
    else await buildTemplate(adminUrl, template, (url) => fill(url, plan));
    if (args.generateOnly) return;
    db = await copyTemplate(adminUrl, template);
    console.log(`Copied template ${template} to ${db.name}`);
  } else {
    db = await createThrowawayDatabase(adminUrl, 'ehr_search_bench');
  }
  try {
    if (!args.template) await fill(db.url, plan);
    await measure(db.url, plan, args);
  } finally {
    if (!args.keep) await db.drop();
    else console.log(`Kept database ${redactUrl(db.url)}`);
  }
}

/** Runs `work` against the real server (this build) over database `url`. */
async function withServer<T>(url: string, work: (baseUrl: string, headers: Headers, pid: number) => Promise<T>, nodeArgs: string[] = []): Promise<T> {
  const server = await startBenchServer(repoRoot(), url, nodeArgs);
  try {
    return await work(server.baseUrl, server.headers, server.pid);
  } finally {
    await server.stop();
  }
}

/** Writes the plan into database `url` (resuming what is there), then vacuums it; the server is stopped after. */
async function fill(url: string, plan: Plan): Promise<void> {
  console.log(heading(`Generating ${formatInt(plan.patients)} residents, seed ${plan.seed}, into ${redactUrl(url)}; load average ${loadAverage()}`));
  const analyze = async (): Promise<void> => void (await onDatabase(url, (c) => c.query('ANALYZE')));
  const data = await withServer(url, async (baseUrl, headers) => writeStation(plan, { baseUrl, headers, written: await patientIds(url), analyze }));
  console.log(`Generated ${formatInt(data.resources)} resources in ${formatNumber(data.seconds)} s (${formatInt(data.resources / data.seconds)} resources/s, through FHIR transactions); load average ${loadAverage()}`);
  const started = Date.now();
  await onDatabase(url, (c) => c.query('VACUUM ANALYZE'));
  const stored = await onDatabase(url, (c) => c.query<{ n: number }>('SELECT count(*)::int AS n FROM resource'));
  console.log(`VACUUM ANALYZE in ${formatNumber((Date.now() - started) / 1000)} s; ${formatInt(stored.rows[0].n)} resources stored (with those the server derives, e.g. z-scores)`);
}

/** Patients already stored (a resumed generation skips their Bundles); read after the server has migrated the schema. */
async function patientIds(url: string): Promise<Set<string>> {
  const rows = await onDatabase(url, (c) => c.query<{ id: string }>(`SELECT id FROM resource WHERE resource_type = 'Patient'`));
  return new Set(rows.rows.map((r) => r.id));
}

async function onDatabase<T>(url: string, work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

async function measure(url: string, plan: Plan, args: Args): Promise<void> {
  console.log(heading(`Search benchmark: ${formatInt(plan.patients)} residents, seed ${plan.seed}, database ${redactUrl(url)}, ${new Date().toISOString()}`));
  console.log(`Load average at the start: ${loadAverage()} on ${os.cpus().length} cores; ${await serverSettings(url)}`);
  const shapes = queryShapes(plan, args.connections).filter((s) => !args.only || s.name.includes(args.only));
  const dbName = new URL(url).pathname.slice(1);
  await withServer(url, async (baseUrl, headers, pid) => {
    const results: [QueryShape, PathLoadResult & { cpu: CpuUse }][] = [];
    const origin = new URL(baseUrl).origin;
    for (const shape of shapes) {
      const meter = await startPhaseMeter(pid, () => localBackendPids(url, dbName), args.perf);
      const load = await runPathLoad({
        origin,
        paths: shape.paths.map((p) => `${new URL(baseUrl).pathname}/${p}`),
        headers: { accept: 'application/fhir+json', ...(await headers()) },
        connections: shape.connections,
        durationSeconds: args.seconds,
      });
      const { cpu, perf } = await meter.stop();
      const result = { ...load, cpu };
      results.push([shape, result]);
      console.log(`  ${shape.name}: ${formatInt(result.requestsPerSecond)} req/s, p95 ${formatMs(result.latencyMs.p95)}; load average ${loadAverage()}`);
      if (args.perf) printPerfSummary(perf, 15);
      await settle(url);
    }
    printResults(results);
    await inProcess(url, baseUrl, shapes, args.explain);
    if (args.perf) removePerfMap(pid); // its names were read by each shape's summary
  }, profilingNodeArgs(args.profileDir, args.perf));
  if (args.profileDir) console.log(`CPU profile of the server (boot included): ${newestProfile(args.profileDir)}`);
}

/**
 * Waits (up to a minute) until PostgreSQL runs no statement on the measured database: requests the
 * load left behind (timed out at the client, still running in the server) would slow the next shape.
 */
async function settle(url: string): Promise<void> {
  const sql = `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND state = 'active' AND pid <> pg_backend_pid()`;
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const { rows } = await onDatabase(url, (c) => c.query<{ n: number }>(sql));
    if (rows[0].n === 0) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

function printResults(results: [QueryShape, PathLoadResult & { cpu: CpuUse }][]): void {
  console.log(heading('Results'));
  const rows = results.map(([shape, r]) => {
    const bad = Object.entries(r.statusCounts).filter(([status]) => status !== '200');
    const goal = shape.goal ? [shape.goal.requestsPerSecond && `≥${shape.goal.requestsPerSecond}/s`, shape.goal.p95Ms && `p95≤${shape.goal.p95Ms} ms`].filter(Boolean).join(', ') : '';
    return [
      shape.name,
      String(shape.connections),
      formatInt(r.requestsPerSecond),
      formatMs(r.latencyMs.p50),
      formatMs(r.latencyMs.p95),
      formatMs(r.latencyMs.p99),
      bad.length || r.errors ? `${bad.map(([s, n]) => `${s}×${n}`).join(' ')} errors ${r.errors}` : 'all 200',
      perRequest(r.cpu.serverMs, r.responses),
      perRequest(r.cpu.databaseMs, r.responses),
      goal,
    ];
  });
  console.log(table(['query', 'conc.', 'req/s', 'p50', 'p95', 'p99', 'responses', 'CPU server', 'CPU PostgreSQL', 'goal'], rows));
  console.log('CPU columns: per request, of the server process and of the database backends (steadier than rates on a shared machine).');
  console.log(`Load average at the end: ${loadAverage()}`);
}

const perRequest = (ms: number | undefined, responses: number): string => (ms === undefined || !responses ? '-' : formatMs(ms / responses));

/** The engine alone (no HTTP, authentication or audit), then the EXPLAIN of each shape. */
async function inProcess(url: string, baseUrl: string, shapes: QueryShape[], explain: boolean): Promise<void> {
  const db = await openDatabase({ databaseUrl: url, dataDir: '', poolSize: 2 });
  try {
    const engine = createFhirEngine(db, { stationId: process.env.STATION_ID ?? 'default', timeZone: 'Asia/Ho_Chi_Minh', baseUrl, version: 'bench' });
    const unique = shapes.filter((s, i) => shapes.findIndex((t) => t.paths[0] === s.paths[0]) === i);
    console.log(heading('The engine alone: in-process, one request at a time, no HTTP/authentication/audit'));
    const rows: string[][] = [];
    for (const shape of unique) {
      const t = await timeInProcess(engine, baseUrl, shape.paths, 200);
      rows.push([shape.name.replace(/, c=\d+$/, ''), formatMs(t.p50), formatMs(t.p95)]);
    }
    console.log(table(['query', 'p50', 'p95'], rows));
    if (explain) await printExplains(db, engine, baseUrl, unique);
  } finally {
    await db.close();
  }
}

async function printExplains(db: Database, engine: FhirEngine, baseUrl: string, shapes: QueryShape[]): Promise<void> {
  console.log(heading('EXPLAIN (ANALYZE) of every statement per query shape'));
  let scans = 0;
  for (const shape of shapes) {
    const explained: Explained[] = await explainShape(db, engine, baseUrl, shape.paths[0]);
    console.log(`\n### ${shape.name}: ${shape.paths[0]}`);
    for (const e of explained) {
      console.log(`\n${e.sql.replace(/\s+/g, ' ').slice(0, 400)}${e.sql.length > 400 ? ' …' : ''}\n${e.plan.map((l) => `    ${l}`).join('\n')}`);
      if (e.seqScans.length) console.log(`  !! sequential scan of ${e.seqScans.join(', ')}`);
      scans += e.seqScans.length;
    }
  }
  console.log(`\n${scans === 0 ? 'No statement scans a whole table.' : `${scans} sequential scan(s) of big tables, marked !! above.`}`);
}

main().catch((err: Error) => {
  console.error(`bench:search failed: ${err.stack ?? err.message}`);
  process.exit(1);
});
