import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { newestProfile, summariseCpuProfile, type TimeShare } from './lib/cpu-profile';
import { formatInt, formatMs, formatNumber, formatSeconds, heading, table } from './lib/format';
import { describeStatuses, runLoad, type LoadResult } from './lib/http-load';
import { repoRoot, sharedDir } from './lib/paths';
import { assertReachable, createThrowawayDatabase, DEFAULT_DATABASE_URL, redactUrl } from './lib/postgres';
import { insertRaw } from './lib/raw-insert';
import { RssSampler, type RssPeak } from './lib/rss';
import { startServer, type ServerProcess } from './lib/server';
import { postTransactionBundles, readBundles, syntheaBundleDir, type BundleFile, type PostBundlesResult } from './lib/synthea';

/**
 * Benchmark of the FHIR core (issue 2): the real server as a child process over a fresh PostgreSQL
 * database; Synthea transaction bundles over HTTP, the same resources inserted raw with pg, a
 * Patient-create load with autocannon, and the server's peak memory. Prints figures beside the
 * goals; it is not a test and does not fail on a missed goal — only when a step could not run
 * or requests failed (the figures would then mean nothing).
 *
 * Flags: --phases=synthea,raw,patient (default all)  --patient-seconds=20  --cpu-prof (profile the
 * server with node --cpu-prof and print its top self-time functions).
 */

const BUNDLE_CONCURRENCY = 4;
const PATIENT_CONNECTIONS = 10;

const GOALS = {
  transactionRate: 1500,
  rawRatio: 0.3,
  patientRate: 1000,
  patientP95Ms: 20,
  peakRssMb: 300,
};

type Phase = 'synthea' | 'raw' | 'patient';

interface Args {
  phases: Set<Phase>;
  patientSeconds: number;
  cpuProf: boolean;
}

interface Figures {
  synthea?: PostBundlesResult;
  raw?: { wallMs: number; resources: number };
  patient?: LoadResult;
  rss?: RssPeak;
  syntheaSkipped?: string;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { phases: new Set(['synthea', 'raw', 'patient']), patientSeconds: 20, cpuProf: false };
  for (const arg of argv) {
    const [key, value] = arg.split('=', 2);
    if (key === '--phases') args.phases = new Set(value.split(',').map((p) => p.trim()) as Phase[]);
    else if (key === '--patient-seconds') args.patientSeconds = Number(value);
    else if (key === '--cpu-prof') args.cpuProf = true;
    else throw new Error(`Unknown argument ${arg} (known: --phases=synthea,raw,patient --patient-seconds=N --cpu-prof)`);
  }
  return args;
}

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  const root = repoRoot();
  const baseDbUrl = process.env.DATABASE_URL || DEFAULT_DATABASE_URL;
  console.log(`commune-ehr core bench — ${new Date().toISOString()}`);
  console.log(`node ${process.version}, ${os.cpus().length} CPUs, load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')} (high load = noisy figures)`);
  try {
    await assertReachable(baseDbUrl);
  } catch (err) {
    console.error((err as Error).message);
    console.error('Set DATABASE_URL to a PostgreSQL server this bench may create databases on.');
    return 1;
  }
  const db = await createThrowawayDatabase(baseDbUrl);
  console.log(`database: ${redactUrl(db.url)} (dropped at the end)`);
  const profileDir = args.cpuProf ? fs.mkdtempSync(path.join(os.tmpdir(), 'ehr-bench-prof-')) : undefined;
  let server: ServerProcess | undefined;
  let failed = false;
  try {
    server = await startServer({
      entry: path.join(root, 'dist/src/main.js'),
      cwd: root,
      env: { DATABASE_URL: db.url, LOG_LEVEL: 'warn' },
      nodeArgs: profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [],
    });
    const sampler = new RssSampler(server.pid, 100);
    console.log(`server: pid ${server.pid}, ${server.baseUrl}, RSS after boot ${formatNumber(sampler.currentMb() ?? NaN)} MB`);
    const figures: Figures = {};
    failed = (await runPhases(args, server, db.url, sampler, figures)) || failed;
    figures.rss = sampler.stop();
    printSummary(figures, args);
    const code = await server.stop();
    failed = reportServerExit(code, server.output()) || failed;
    server = undefined;
    if (profileDir) printProfile(profileDir, root);
  } finally {
    if (server) await server.stop();
    await db.drop();
  }
  return failed ? 1 : 0;
}

/** Runs the selected phases, filling `figures`; true when some request failed. */
async function runPhases(args: Args, server: ServerProcess, dbUrl: string, sampler: RssSampler, figures: Figures): Promise<boolean> {
  let failed = false;
  let bundles: BundleFile[] | undefined;
  if (args.phases.has('synthea') || args.phases.has('raw')) {
    const dir = syntheaBundleDir(sharedDir());
    if (fs.existsSync(dir)) bundles = readBundles(dir);
    else {
      figures.syntheaSkipped = `${dir} is absent`;
      console.log(`\nSynthea phases skipped: ${dir} is absent (the shared data folder sits beside the repository).`);
    }
  }
  if (bundles && args.phases.has('synthea')) {
    figures.synthea = await syntheaPhase(server, bundles, sampler);
    failed = figures.synthea.failures.length > 0;
  }
  if (bundles && args.phases.has('raw')) figures.raw = await rawPhase(dbUrl, bundles, figures.synthea);
  if (args.phases.has('patient')) {
    figures.patient = await patientPhase(server, args.patientSeconds, sampler);
    failed = failed || figures.patient.non2xx > 0 || figures.patient.errors > 0;
  }
  return failed;
}

async function syntheaPhase(server: ServerProcess, bundles: BundleFile[], sampler: RssSampler): Promise<PostBundlesResult> {
  const count = bundles.reduce((n, b) => n + b.resources.length, 0);
  console.log(heading(`Synthea transactions over HTTP: ${bundles.length} bundles, ${formatInt(count)} resources, ${BUNDLE_CONCURRENCY} in flight`));
  const result = await postTransactionBundles(server.baseUrl, bundles, BUNDLE_CONCURRENCY);
  console.log(`wall time ${formatSeconds(result.wallMs)}, ${formatInt(rate(result.resources, result.wallMs))} resources/s`);
  if (result.failures.length === 0) console.log(`all ${bundles.length} responses 200 with every entry 201`);
  for (const f of result.failures) {
    console.log(`FAILED ${f.file}: HTTP ${f.status}${f.entryStatuses.length ? `, entries ${f.entryStatuses.join(', ')}` : ''}${f.diagnostics ? ` — ${f.diagnostics}` : ''}`);
  }
  console.log(`server RSS now ${formatNumber(sampler.currentMb() ?? NaN)} MB`);
  return result;
}

async function rawPhase(dbUrl: string, bundles: BundleFile[], ours: PostBundlesResult | undefined): Promise<{ wallMs: number; resources: number }> {
  console.log(heading(`Same resources, plain pg INSERT into a bare jsonb table: 1 transaction per bundle, ${BUNDLE_CONCURRENCY} connections`));
  const raw = await insertRaw(dbUrl, bundles, BUNDLE_CONCURRENCY);
  const rawRate = rate(raw.resources, raw.wallMs);
  console.log(`wall time ${formatSeconds(raw.wallMs)}, ${formatInt(rawRate)} resources/s`);
  if (ours) console.log(`ours / raw = ${formatNumber(rate(ours.resources, ours.wallMs) / rawRate, 2)}`);
  return raw;
}

let patientCounter = 0;

/** A small, realistic registration: Vietnamese name with diacritics, CCCD number (unique per request), address. */
function patientBody(): string {
  const serial = String(++patientCounter % 1_000_000).padStart(6, '0');
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

async function patientPhase(server: ServerProcess, seconds: number, sampler: RssSampler): Promise<LoadResult> {
  console.log(heading(`POST /fhir/Patient: ${PATIENT_CONNECTIONS} connections for ${seconds} s (autocannon)`));
  const result = await runLoad({
    url: `${server.baseUrl}/Patient`,
    method: 'POST',
    headers: { 'content-type': 'application/fhir+json', accept: 'application/fhir+json' },
    connections: PATIENT_CONNECTIONS,
    durationSeconds: seconds,
    body: patientBody,
  });
  const l = result.latencyMs;
  console.log(`${formatInt(result.responses)} responses in ${formatNumber(result.durationSeconds, 2)} s: ${formatInt(result.requestsPerSecond)} requests/s`);
  console.log(`latency p50 ${formatMs(l.p50)}, p95 ${formatMs(l.p95)}, p99 ${formatMs(l.p99)}, max ${formatMs(l.max)}, mean ${formatMs(l.mean)} (exact, from every response)`);
  console.log(`statuses ${describeStatuses(result.statusCounts) || 'none'}; non-2xx ${result.non2xx}, connection errors ${result.errors}, timeouts ${result.timeouts}`);
  console.log(`server RSS now ${formatNumber(sampler.currentMb() ?? NaN)} MB`);
  return result;
}

function printSummary(f: Figures, args: Args): void {
  console.log(heading('Summary (goals from issue 2)'));
  const verdict = (ok: boolean | undefined): string => (ok === undefined ? 'not run' : ok ? 'met' : 'NOT met');
  const ours = f.synthea && rate(f.synthea.resources, f.synthea.wallMs);
  const raw = f.raw && rate(f.raw.resources, f.raw.wallMs);
  const ratio = ours !== undefined && raw !== undefined ? ours / raw : undefined;
  const invalid = f.synthea && f.synthea.failures.length ? ` (${f.synthea.failures.length} bundles FAILED)` : '';
  const p = f.patient;
  const pInvalid = p && (p.non2xx || p.errors) ? ` (${p.non2xx} non-2xx, ${p.errors} errors)` : '';
  const rssMb = f.rss && Math.max(f.rss.sampledMb, f.rss.hwmMb ?? 0);
  const rows = [
    ['Synthea transactions, resources/s', ours === undefined ? '-' : formatInt(ours) + invalid, `>= ${formatInt(GOALS.transactionRate)}`, verdict(ours === undefined ? undefined : ours >= GOALS.transactionRate && !invalid)],
    ['plain pg insert, resources/s', raw === undefined ? '-' : formatInt(raw), '(baseline)', ''],
    ['ours / raw insert', ratio === undefined ? '-' : formatNumber(ratio, 2), `>= ${GOALS.rawRatio}`, verdict(ratio === undefined ? undefined : ratio >= GOALS.rawRatio)],
    [`Patient creates/s, c=${PATIENT_CONNECTIONS}, ${args.patientSeconds} s`, p ? formatInt(p.requestsPerSecond) + pInvalid : '-', `>= ${formatInt(GOALS.patientRate)}`, verdict(p && p.requestsPerSecond >= GOALS.patientRate && !pInvalid)],
    ['Patient create p95 latency', p ? formatMs(p.latencyMs.p95) : '-', `< ${GOALS.patientP95Ms} ms`, verdict(p && p.latencyMs.p95 < GOALS.patientP95Ms)],
    ['Patient create p50 / p99 latency', p ? `${formatMs(p.latencyMs.p50)} / ${formatMs(p.latencyMs.p99)}` : '-', '', ''],
    ['server peak RSS, MB', rssMb === undefined ? '-' : formatNumber(rssMb), `< ${GOALS.peakRssMb}`, verdict(rssMb === undefined ? undefined : rssMb < GOALS.peakRssMb)],
  ];
  console.log(table(['measure', 'figure', 'goal', 'verdict'], rows));
  if (f.rss) console.log(`peak RSS: VmHWM ${f.rss.hwmMb === undefined ? 'unreadable' : formatNumber(f.rss.hwmMb)} MB, highest VmRSS sampled every 100 ms ${formatNumber(f.rss.sampledMb)} MB (MB = MiB)`);
  if (f.syntheaSkipped) console.log(`Synthea and raw-insert figures missing: ${f.syntheaSkipped}`);
  console.log(`load average at the end ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
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
  console.log(heading(`CPU profile of the server (${file}, ${formatSeconds(summary.totalMs)} sampled)`));
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

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error('bench failed:', err instanceof Error ? err.stack ?? err.message : err);
    process.exit(1);
  },
);
