import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Pool } from 'pg';
import { authHeaders, bootstrapEnv, newBenchClient, type BenchClient } from './lib/auth';
import type { CpuUse } from './lib/cpu';
import { newestProfile, summariseCpuProfile, type TimeShare } from './lib/cpu-profile';
import { perfUnavailable, printPerfSummary, removePerfMap } from './lib/perf-profile';
import { profilingNodeArgs, startPhaseMeter, type PhaseMeter } from './lib/phase-meter';
import { formatInt, formatMs, formatNumber, formatSeconds, heading, table } from './lib/format';
import { describeStatuses, runLoad, type LoadResult } from './lib/http-load';
import { repoRoot, sharedDir } from './lib/paths';
import { assertReachable, createThrowawayDatabase, DEFAULT_DATABASE_URL, localBackendPids, redactUrl, serverSettings, type ThrowawayDatabase } from './lib/postgres';
import { insertRaw, type RawInsertResult } from './lib/raw-insert';
import { RssSampler, type RssPeak } from './lib/rss';
import { npmStartFlags, startServer, type ServerProcess } from './lib/server';
import { postTransactionBundles, readBundles, syntheaBundleDir, type BundleFile, type PostBundlesResult } from './lib/synthea';

/**
 * Benchmark of the FHIR core (issue 2): the real server as a child process over a fresh PostgreSQL
 * database; Synthea transaction bundles over HTTP, the same resources inserted raw with pg, a
 * Patient-create load with autocannon, and the server's peak memory. Prints figures beside the
 * goals; it is not a test and does not fail on a missed goal — only when a step could not run
 * or requests failed (the figures would then mean nothing).
 *
 * Flags (after `npm run bench --`): see USAGE.
 */

const BUNDLE_CONCURRENCY = 4;
const PATIENT_CONNECTIONS = 10;
const MAX_FAILURES_SHOWN = 5;

const USAGE = [
  '--phases=synthea,raw,patient (default: all)',
  '--patient-seconds=N (default 20)',
  '--cpu-prof (profile the server with node --cpu-prof and print where its CPU went)',
  '--perf (record each phase with Linux perf, time on a core only, and print where the server\'s CPU went)',
  '--server-node-args="--max-semi-space-size=32 …" (flags for the server\'s node)',
].join('  ');

const GOALS = { transactionRate: 1500, rawRatio: 0.3, patientRate: 1000, patientP95Ms: 20, peakRssMb: 300 };

type Phase = 'synthea' | 'raw' | 'patient';

interface Args {
  phases: Set<Phase>;
  patientSeconds: number;
  cpuProf: boolean;
  /** Record each phase with `perf` (lib/perf-profile.ts). */
  perf: boolean;
  /** Extra flags for the server's node (e.g. heap sizes), to try settings without editing code. */
  serverNodeArgs: string[];
}

/** What every phase needs: the server, its database, and the meters watching them. */
interface Run {
  server: ServerProcess;
  db: ThrowawayDatabase;
  adminUrl: string;
  rss: RssSampler;
  /** The system client the bench authenticates as. */
  client: BenchClient;
  /** Whether each phase is recorded with `perf`. */
  perf: boolean;
}

interface Figures {
  synthea?: PostBundlesResult & { cpu: CpuUse };
  raw?: RawInsertResult & { cpu: CpuUse };
  patient?: LoadResult & { cpu: CpuUse };
  rss?: RssPeak;
  syntheaSkipped?: string;
}

function parseArgs(argv: string[]): Args {
  // The server runs with the node flags of `npm start` unless --server-node-args says otherwise.
  const args: Args = { phases: new Set(['synthea', 'raw', 'patient']), patientSeconds: 20, cpuProf: false, perf: false, serverNodeArgs: npmStartFlags(repoRoot()) };
  for (const arg of argv) {
    const cut = arg.indexOf('=');
    const [key, value] = cut < 0 ? [arg, ''] : [arg.slice(0, cut), arg.slice(cut + 1)];
    if (key === '--phases') args.phases = new Set(value.split(',').map((p) => p.trim()) as Phase[]);
    else if (key === '--patient-seconds') {
      args.patientSeconds = Number(value);
      if (!(args.patientSeconds > 0)) throw new Error(`--patient-seconds needs a positive number, got ${value}`);
    }
    else if (key === '--cpu-prof') args.cpuProf = true;
    else if (key === '--perf') args.perf = true;
    else if (key === '--server-node-args') args.serverNodeArgs = value.split(/\s+/).filter(Boolean);
    else throw new Error(`Unknown argument ${arg} (known: ${USAGE})`);
  }
  return args;
}

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  const root = repoRoot();
  const adminUrl = process.env.DATABASE_URL || DEFAULT_DATABASE_URL;
  console.log(`commune-ehr core bench — ${new Date().toISOString()}`);
  console.log(`node ${process.version}, ${os.cpus().length} CPUs, load average ${loadAverage()} (a busy machine gives noisy figures)`);
  const noPerf = args.perf ? perfUnavailable() : undefined;
  if (noPerf) {
    console.error(`--perf cannot record here: ${noPerf}`);
    return 1;
  }
  try {
    await assertReachable(adminUrl);
  } catch (err) {
    console.error((err as Error).message);
    console.error('Set DATABASE_URL to a PostgreSQL server on which this bench may create and drop a database.');
    return 1;
  }
  const db = await createThrowawayDatabase(adminUrl);
  console.log(`database: ${redactUrl(db.url)} (dropped at the end); ${await serverSettings(db.url)}`);
  const profileDir = args.cpuProf ? fs.mkdtempSync(path.join(os.tmpdir(), 'ehr-bench-prof-')) : undefined;
  // The server's own files (e.g. a generated signing key) go to a folder of this run, not the work tree.
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ehr-bench-data-'));
  const client = newBenchClient();
  let server: ServerProcess | undefined;
  try {
    server = await startServer({
      entry: path.join(root, 'dist/src/main.js'),
      cwd: root,
      env: { DATABASE_URL: db.url, LOG_LEVEL: 'warn', DATA_DIR: dataDir, ...bootstrapEnv(client) },
      nodeArgs: [...args.serverNodeArgs, ...profilingNodeArgs(profileDir, args.perf)],
    });
    const run: Run = { server, db, adminUrl, client, rss: new RssSampler(server.pid, 100), perf: args.perf };
    if (args.serverNodeArgs.length) console.log(`server node flags: ${args.serverNodeArgs.join(' ')}`);
    console.log(`server: pid ${server.pid}, ${server.baseUrl}, RSS after boot ${formatNumber(run.rss.currentMb() ?? NaN)} MB`);
    const auth = await requestHeaders(run);
    console.log(`authentication: ${auth.authorization ? 'bearer token of a system client (client-credentials grant)' : 'none (the server has no /oauth2/token)'}`);
    const figures = await runPhases(args, run);
    figures.rss = run.rss.stop();
    printSummary(figures, args);
    const exitCode = await server.stop();
    if (args.perf) removePerfMap(server.pid);
    const crashed = reportServerExit(exitCode, server.output());
    server = undefined;
    if (profileDir) printProfile(profileDir, root);
    return crashed || requestsFailed(figures) ? 1 : 0;
  } finally {
    if (server) await server.stop();
    await db.drop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

/** Headers for FHIR requests: a fresh token per phase, so a long phase never outlives it. */
function requestHeaders(run: Run): Promise<Record<string, string>> {
  return authHeaders(new URL(run.server.baseUrl).origin, run.client);
}

async function runPhases(args: Args, run: Run): Promise<Figures> {
  const figures: Figures = {};
  let bundles: BundleFile[] | undefined;
  if (args.phases.has('synthea') || args.phases.has('raw')) {
    const dir = syntheaBundleDir(sharedDir());
    if (fs.existsSync(dir)) bundles = readBundles(dir);
    else {
      figures.syntheaSkipped = `${dir} is absent`;
      console.log(`\nSynthea and raw-insert phases skipped: ${dir} is absent (the shared data folder sits beside the repository).`);
    }
  }
  if (bundles && args.phases.has('synthea')) figures.synthea = await syntheaPhase(run, bundles);
  if (bundles && args.phases.has('raw')) figures.raw = await rawPhase(run, bundles, figures.synthea);
  if (args.phases.has('patient')) figures.patient = await patientPhase(run, args.patientSeconds);
  return figures;
}

/** Meters one phase of `run` (perf records the server only when `recordServer`). */
function startMeter(run: Run, recordServer = true): Promise<PhaseMeter> {
  return startPhaseMeter(run.server.pid, () => localBackendPids(run.adminUrl, run.db.name), run.perf && recordServer);
}

async function syntheaPhase(run: Run, bundles: BundleFile[]): Promise<PostBundlesResult & { cpu: CpuUse }> {
  const count = bundles.reduce((n, b) => n + b.resources.length, 0);
  console.log(heading(`Synthea transactions over HTTP: ${bundles.length} bundles, ${formatInt(count)} resources, ${BUNDLE_CONCURRENCY} in flight`));
  const headers = await requestHeaders(run);
  const meter = await startMeter(run);
  const result = await postTransactionBundles(run.server.baseUrl, bundles, BUNDLE_CONCURRENCY, headers);
  const { cpu, perf } = await meter.stop();
  console.log(`wall time ${formatSeconds(result.wallMs)}, ${formatInt(rate(result.resources, result.wallMs))} resources/s`);
  if (result.failures.length === 0) console.log(`all ${bundles.length} responses 200 with every entry 201`);
  for (const f of result.failures.slice(0, MAX_FAILURES_SHOWN)) {
    console.log(`FAILED ${f.file}: HTTP ${f.status}${f.entryStatuses.length ? `, entries ${f.entryStatuses.join(', ')}` : ''}${f.diagnostics ? ` — ${f.diagnostics}` : ''}`);
  }
  if (result.failures.length > MAX_FAILURES_SHOWN) console.log(`… and ${result.failures.length - MAX_FAILURES_SHOWN} more failed bundles`);
  printCpu(cpu, result.wallMs, result.resources, 'resource');
  console.log(`server RSS now ${formatNumber(run.rss.currentMb() ?? NaN)} MB`);
  if (run.perf) printPerfSummary(perf);
  return { ...result, cpu };
}

async function rawPhase(run: Run, bundles: BundleFile[], ours: PostBundlesResult | undefined): Promise<RawInsertResult & { cpu: CpuUse }> {
  console.log(heading(`Same resources, plain pg INSERT into a bare jsonb table: 1 transaction per bundle, ${BUNDLE_CONCURRENCY} connections`));
  const pool = new Pool({ connectionString: run.db.url, max: BUNDLE_CONCURRENCY });
  try {
    const meter = await startMeter(run, false); // the server has no part in it
    const raw = await insertRaw(pool, bundles, BUNDLE_CONCURRENCY);
    const { cpu } = await meter.stop();
    const rawRate = rate(raw.resources, raw.wallMs);
    console.log(`wall time ${formatSeconds(raw.wallMs)}, ${formatInt(rawRate)} resources/s`);
    if (ours) console.log(`ours / raw = ${formatNumber(rate(ours.resources, ours.wallMs) / rawRate, 2)}`);
    printCpu(cpu, raw.wallMs, raw.resources, 'resource');
    return { ...raw, cpu };
  } finally {
    await pool.end();
  }
}

let patientSerial = 0;

/** A small, realistic registration: Vietnamese name with diacritics, CCCD number (unique per request), address. */
function patientBody(): string {
  const serial = String(++patientSerial % 1_000_000).padStart(6, '0');
  return JSON.stringify({
    resourceType: 'Patient',
    identifier: [
      {
        type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0203', code: 'NI' }] },
        system: 'http://fhir.ehealth.gov.vn/core/sid/national_id',
        value: `038190${serial}`,
      },
    ],
    name: [{ use: 'official', text: 'Nguyễn Thị Thư', family: 'Nguyễn', given: ['Thị', 'Thư'] }],
    gender: 'female',
    birthDate: '1990-05-12',
    address: [{ use: 'home', line: ['Thôn Đông'], city: 'Xã Hà Sơn', state: 'Thanh Hóa', country: 'VN' }],
  });
}

async function patientPhase(run: Run, seconds: number): Promise<LoadResult & { cpu: CpuUse }> {
  console.log(heading(`POST /fhir/Patient: ${PATIENT_CONNECTIONS} connections for ${seconds} s (autocannon)`));
  const headers = await requestHeaders(run);
  const meter = await startMeter(run);
  const result = await runLoad({
    url: `${run.server.baseUrl}/Patient`,
    method: 'POST',
    headers: { 'content-type': 'application/fhir+json', accept: 'application/fhir+json', ...headers },
    connections: PATIENT_CONNECTIONS,
    durationSeconds: seconds,
    body: patientBody,
  });
  const { cpu, perf } = await meter.stop();
  const l = result.latencyMs;
  console.log(`${formatInt(result.responses)} responses in ${formatNumber(result.durationSeconds, 2)} s: ${formatInt(result.requestsPerSecond)} requests/s`);
  console.log(`latency p50 ${formatMs(l.p50)}, p95 ${formatMs(l.p95)}, p99 ${formatMs(l.p99)}, max ${formatMs(l.max)}, mean ${formatMs(l.mean)} (exact, from every response)`);
  console.log(`statuses ${describeStatuses(result.statusCounts) || 'none'}; non-2xx ${result.non2xx}, connection errors ${result.errors}, timeouts ${result.timeouts}`);
  printCpu(cpu, result.durationSeconds * 1000, result.responses, 'request');
  console.log(`server RSS now ${formatNumber(run.rss.currentMb() ?? NaN)} MB`);
  if (run.perf) printPerfSummary(perf);
  return { ...result, cpu };
}

/** CPU per unit of work: steadier than rates on a busy machine, and shows how the cores were shared. */
function printCpu(cpu: CpuUse, wallMs: number, count: number, unit: string): void {
  const part = (label: string, ms: number | undefined): string =>
    ms === undefined ? `${label} n/a` : `${label} ${formatMs(ms / count)} (${formatInt((100 * ms) / wallMs)}% of a core)`;
  console.log(`CPU per ${unit}: ${part('server', cpu.serverMs)}, ${part('PostgreSQL backends', cpu.databaseMs)}, ${part('bench client', cpu.benchMs)}`);
  const ceiling = cpuCeiling(cpu, count);
  if (ceiling !== undefined) {
    console.log(`CPU ceiling: ${os.cpus().length} cores / ${formatMs(ceiling.perUnitMs)} per ${unit} = ${formatInt(ceiling.rate)} ${unit}s/s at most on this machine, however the work is arranged`);
  }
}

/**
 * The rate this machine's cores allow at the CPU one unit of work took (server, PostgreSQL and the
 * bench's own load generator, which shares the machine): a goal above it cannot be met here by
 * arranging the same work differently, only by less CPU per unit or faster cores.
 */
function cpuCeiling(cpu: CpuUse, count: number): { perUnitMs: number; rate: number } | undefined {
  if (cpu.databaseMs === undefined || count === 0) return undefined;
  const perUnitMs = (cpu.serverMs + cpu.databaseMs + cpu.benchMs) / count;
  return { perUnitMs, rate: (os.cpus().length * 1000) / perUnitMs };
}

function printSummary(f: Figures, args: Args): void {
  console.log(heading('Summary (goals from issue 2)'));
  const ours = f.synthea && rate(f.synthea.resources, f.synthea.wallMs);
  const raw = f.raw && rate(f.raw.resources, f.raw.wallMs);
  const ratio = ours !== undefined && raw !== undefined ? ours / raw : undefined;
  const bundlesFailed = (f.synthea?.failures.length ?? 0) > 0;
  const p = f.patient;
  const createsFailed = p !== undefined && (p.non2xx > 0 || p.errors > 0);
  const rssMb = f.rss && Math.max(f.rss.sampledMb, f.rss.hwmMb ?? 0);
  const rows = [
    ['Synthea transactions, resources/s', figure(ours, formatInt), `>= ${formatInt(GOALS.transactionRate)}`, verdict(ours, (v) => v >= GOALS.transactionRate, bundlesFailed)],
    ['  CPU ceiling of this machine', figure(f.synthea && cpuCeiling(f.synthea.cpu, f.synthea.resources)?.rate, formatInt), '', ''],
    ['plain pg insert, resources/s', figure(raw, formatInt), '(baseline)', ''],
    ['ours / raw insert', figure(ratio, (v) => formatNumber(v, 2)), `>= ${GOALS.rawRatio}`, verdict(ratio, (v) => v >= GOALS.rawRatio, bundlesFailed)],
    [`Patient creates/s, c=${PATIENT_CONNECTIONS}, ${args.patientSeconds} s`, figure(p?.requestsPerSecond, formatInt), `>= ${formatInt(GOALS.patientRate)}`, verdict(p?.requestsPerSecond, (v) => v >= GOALS.patientRate, createsFailed)],
    ['  CPU ceiling of this machine', figure(p && cpuCeiling(p.cpu, p.responses)?.rate, formatInt), '', ''],
    ['Patient create p95 latency', figure(p?.latencyMs.p95, formatMs), `< ${GOALS.patientP95Ms} ms`, verdict(p?.latencyMs.p95, (v) => v < GOALS.patientP95Ms, createsFailed)],
    ['Patient create p50 / p99 latency', p ? `${formatMs(p.latencyMs.p50)} / ${formatMs(p.latencyMs.p99)}` : '-', '', ''],
    ['server peak RSS, MB', figure(rssMb, formatNumber), `< ${GOALS.peakRssMb}`, verdict(rssMb, (v) => v < GOALS.peakRssMb, false)],
    ['server CPU per transaction resource', figure(f.synthea && f.synthea.cpu.serverMs / f.synthea.resources, formatMs), '(no goal)', ''],
    ['server CPU per Patient create', figure(p && p.cpu.serverMs / p.responses, formatMs), '(no goal)', ''],
  ];
  console.log(table(['measure', 'figure', 'goal', 'verdict'], rows));
  if (bundlesFailed || createsFailed) console.log('INVALID: some requests failed (see above), so the rates and latencies do not measure the work asked for.');
  console.log('CPU per unit of work moves less than rates when other work shares the machine: compare builds with it.');
  if (f.rss) console.log(`peak RSS: VmHWM ${f.rss.hwmMb === undefined ? 'unreadable' : formatNumber(f.rss.hwmMb)} MB, highest VmRSS sampled every 100 ms ${formatNumber(f.rss.sampledMb)} MB (MB = MiB)`);
  if (f.syntheaSkipped) console.log(`Synthea and raw-insert figures missing: ${f.syntheaSkipped}`);
  console.log(`load average at the end ${loadAverage()}`);
}

function figure(value: number | undefined, format: (v: number) => string): string {
  return value === undefined ? '-' : format(value);
}

function verdict(value: number | undefined, meets: (v: number) => boolean, failed: boolean): string {
  if (value === undefined) return 'not run';
  if (failed) return 'INVALID';
  return meets(value) ? 'met' : 'NOT met';
}

function requestsFailed(f: Figures): boolean {
  return (f.synthea?.failures.length ?? 0) > 0 || (f.patient ? f.patient.non2xx > 0 || f.patient.errors > 0 : false);
}

/** Shows what the server logged at warn or above and whether it stopped cleanly; true when it did not. */
function reportServerExit(code: number | null, logs: string[]): boolean {
  if (logs.length) {
    console.log(`\nthe server wrote ${logs.length} log lines at warn or above; the first:`);
    for (const line of logs.slice(0, 5)) console.log(`  ${line.slice(0, 300)}`);
  }
  if (code === 0) return false;
  console.log(`\nthe server exited with code ${code} on SIGTERM`);
  return true;
}

function printProfile(dir: string, root: string): void {
  const file = newestProfile(dir);
  if (!file) {
    console.log(`\nno .cpuprofile written in ${dir}`);
    return;
  }
  const summary = summariseCpuProfile(file, root);
  console.log(heading(`CPU profile of the server, boot included (${file}, ${formatSeconds(summary.totalMs)} sampled)`));
  console.log('Time in writev/read is mostly the server waiting while PostgreSQL or the client runs on the shared cores.');
  const rows = (items: TimeShare[], n: number): string[][] => items.slice(0, n).map((s) => [formatNumber(s.percent, 1) + '%', formatInt(s.ms) + ' ms', s.name]);
  console.log(table(['self %', 'self', 'module'], rows(summary.modules, 15)));
  console.log('');
  console.log(table(['self %', 'self', 'function'], rows(summary.functions, 30)));
  console.log('');
  console.log(table(['incl %', 'inclusive', 'our function (callees included)'], rows(summary.ownInclusive, 30)));
}

function rate(count: number, ms: number): number {
  return count / (ms / 1000);
}

function loadAverage(): string {
  return os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error('bench failed:', err instanceof Error ? (err.stack ?? err.message) : err);
    process.exit(1);
  },
);
