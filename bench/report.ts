import os from 'node:os';
import { performance } from 'node:perf_hooks';
import type { Measure } from '@medplum/fhirtypes';
import { openDatabase } from '../src/db/datasource';
import type { Database } from '../src/db/database';
import { createFhirEngine, type FhirEngine } from '../src/fhir/engine';
import { INDEX_TABLES } from '../src/fhir/index/tables';
import { MEASURE, type MeasureId } from '../src/report/canonical';
import { defaultReportConfig } from '../src/report/config';
import { countMeasures, evaluateMeasure } from '../src/report/evaluate';
import { buildHealthCriterion } from '../src/report/health-criterion';
import { refreshFacts } from '../src/report/sql/facts';
import { HA_SON } from '../src/station/config';
import { loadGrowthTables, referenceDataDirs } from '../src/station/growth/tables';
import { BUILT_PROFILES_DIR, PROJECT_ROOT, PROFILE_SOURCES_DIR, writePack } from '../src/station/profiles/pack';
import { stationWriteChecks } from '../src/station/engine';
import { loadStationTerminology } from '../src/station/rules/terminology';
import { seedCommune } from '../src/station/seed/run';
import { version } from '../src/version';
import { formatInt, formatMs, heading, percentile, table } from './lib/format';
import { CpuMeter } from './lib/cpu';
import { adminQuery, assertReachable, DEFAULT_DATABASE_URL, localBackendPids, redactUrl } from './lib/postgres';

/**
 * Health-criterion report benchmark (issue 6): the full report — every indicator, every stratifier
 * (village, sex, age group, village × sex) — for the synthetic commune (8,000 residents, seed 42)
 * and for about 100,000 residents, on PostgreSQL. Goals: ≤ 300 ms and ≤ 2 s on the 2-core machine.
 *
 *   npm run bench:report -- --residents=8000 --scale=100000 --runs=15 [--fresh]   (--scale=0: the commune only)
 *
 * The commune is seeded once through the engine's write path into a database
 * (report_bench_t_<seed>_<residents>, kept and reused: seeding takes long; --fresh rebuilds it).
 * The large population is that commune cloned in SQL (resources and their index rows, references
 * rewritten) up to the next multiple of the commune at or above --scale, also kept
 * (…_x<copies>): the same shapes, so its counts are the small ones times the number of copies,
 * which the bench checks. The measurements only read.
 */

interface Args {
  residents: number;
  scale: number;
  runs: number;
  seed: number;
  asOf: string;
  fresh: boolean;
}

const STATION = 'default';
const ZONE = 'Asia/Ho_Chi_Minh';
const PERIOD = { start: '2024-10-02', end: '2025-10-01' };
const CLONED_TYPES = ['Patient', 'Coverage', 'Basic', 'Encounter', 'Observation', 'Immunization', 'Condition', 'RelatedPerson', 'Group'];
const ALL_COUNTED: MeasureId[] = [MEASURE.bhyt, MEASURE.stunting, MEASURE.healthManaged, MEASURE.telemedicine, MEASURE.eHealthBook, MEASURE.appEnrolment];

function parseArgs(argv: string[]): Args {
  const get = (name: string, fallback: number, min = 1): number => {
    const arg = argv.find((a) => a.startsWith(`--${name}=`));
    const value = arg ? Number(arg.split('=')[1]) : fallback;
    if (!Number.isInteger(value) || value < min) throw new Error(`--${name} must be an integer ≥ ${min}`);
    return value;
  };
  return { residents: get('residents', 8000), scale: get('scale', 100_000, 0), runs: get('runs', 15), seed: get('seed', 42), asOf: PERIOD.end, fresh: argv.includes('--fresh') };
}

function engineOn(db: Database): FhirEngine {
  return createFhirEngine(db, { stationId: STATION, timeZone: ZONE, baseUrl: 'http://bench.local/fhir', version, profilesDir: BUILT_PROFILES_DIR, ...stationWriteChecks(HA_SON, ZONE) });
}

/** The seeded commune as a template database, built once (through the write path) and reused. */
async function template(baseUrl: string, args: Args): Promise<string> {
  const name = `report_bench_t_${args.seed}_${args.residents}`;
  const url = new URL(baseUrl);
  url.pathname = `/${name}`;
  const exists = (await adminQuery(baseUrl, 'SELECT 1 FROM pg_database WHERE datname = $1', [name])).length > 0;
  if (exists && !args.fresh) {
    const marker = await adminQuery(url.toString(), `SELECT to_regclass('report_bench_seeded') IS NOT NULL AS ok`).catch(() => [{ ok: false }]);
    if ((marker[0] as { ok: boolean }).ok) return name;
  }
  if (exists) await adminQuery(baseUrl, `DROP DATABASE "${name}" WITH (FORCE)`);
  await adminQuery(baseUrl, `CREATE DATABASE "${name}"`);
  console.log(`Seeding the synthetic commune into ${name} (${formatInt(args.residents)} residents, seed ${args.seed}) — once; later runs reuse it`);
  const db = await openDatabase({ databaseUrl: url.toString(), dataDir: '', poolSize: 6 });
  try {
    const tables = loadGrowthTables(referenceDataDirs(PROJECT_ROOT));
    let last = -1;
    const summary = await seedCommune(engineOn(db), HA_SON, loadStationTerminology(), tables, {
      residents: args.residents,
      seed: args.seed,
      asOf: args.asOf,
      concurrency: 4,
      onProgress: ({ residents, total }) => {
        const decile = Math.floor((residents / total) * 10);
        if (decile !== last) process.stderr.write(`  ${decile * 10}%`);
        last = decile;
      },
    });
    process.stderr.write('\n');
    console.log(`  ${formatInt(summary.resources)} resources in ${formatInt(summary.milliseconds / 1000)} s`);
    await db.query(`CREATE TABLE report_bench_seeded (residents int, seed int, created timestamptz DEFAULT now())`);
    await db.query(`INSERT INTO report_bench_seeded (residents, seed) VALUES ($1, $2)`, [args.residents, args.seed]);
  } finally {
    await db.close();
  }
  return name;
}

/**
 * Runs `work` with the secondary indexes of `tables` dropped, then builds them again: one build
 * sorts each index once, where inserting the copies row by row into some twenty B-trees costs
 * several times the CPU (the machine is shared). Constraint indexes (primary keys) stay.
 */
async function withoutIndexes(db: Database, tables: string[], work: () => Promise<void>): Promise<void> {
  const indexes = await db.query<{ indexname: string; indexdef: string }>(
    `SELECT indexname, indexdef FROM pg_indexes
      WHERE schemaname = 'public' AND tablename = ANY($1::text[]) AND indexname NOT IN (SELECT conname FROM pg_constraint)`,
    [tables],
  );
  for (const i of indexes) await db.query(`DROP INDEX "${i.indexname}"`);
  await work();
  for (const i of indexes) await db.query(i.indexdef);
}

/** Copies every resident's resources and index rows `copies` times (ids suffixed `.cN`). */
async function clone(db: Database, copies: number): Promise<void> {
  await withoutIndexes(db, ['resource', ...INDEX_TABLES.map((t) => t.name)], () => copyCommune(db, copies));
}

async function copyCommune(db: Database, copies: number): Promise<void> {
  const types = CLONED_TYPES;
  const marker = `%.c%`;
  for (let k = 1; k <= copies; k++) {
    const suffix = `.c${k}`;
    await db.query(
      `INSERT INTO resource (station_id, resource_type, id, version_id, seq, last_updated, deleted, content)
       SELECT station_id, resource_type, id || $3, version_id, nextval('resource_seq'), last_updated, deleted, content
         FROM resource WHERE station_id = $1 AND resource_type = ANY($2::text[]) AND id NOT LIKE '${marker}'`,
      [STATION, types, suffix],
    );
    for (const spec of INDEX_TABLES) {
      const cols = spec.columns.map((c) =>
        (spec.name === 'idx_reference' && c === 'target_id') ? `CASE WHEN target_type = ANY($2::text[]) THEN target_id || $3 ELSE target_id END`
          : (spec.name === 'idx_compartment' && c === 'compartment_id') ? `CASE WHEN compartment_type = ANY($2::text[]) THEN compartment_id || $3 ELSE compartment_id END`
            : c,
      );
      await db.query(
        `INSERT INTO ${spec.name} (station_id, resource_type, resource_id, ${spec.columns.join(', ')})
         SELECT station_id, resource_type, resource_id || $3, ${cols.join(', ')}
           FROM ${spec.name} WHERE station_id = $1 AND resource_type = ANY($2::text[]) AND resource_id NOT LIKE '${marker}'`,
        [STATION, types, suffix],
      );
    }
    process.stderr.write(`  copy ${k}/${copies}`);
  }
  process.stderr.write('\n');
}

interface Timing {
  what: string;
  samples: number[];
  /** CPU per run of this process and the database's backends (parallel workers not seen): steadier than wall time on a busy machine. */
  cpuMs: number | undefined;
}

type Backends = () => Promise<number[]>;

async function time(what: string, runs: number, backends: Backends, work: () => Promise<unknown>): Promise<Timing> {
  for (let i = 0; i < 2; i++) await work(); // warm-up: plans, caches
  const samples: number[] = [];
  const meter = await CpuMeter.start(process.pid, backends);
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    await work();
    samples.push(performance.now() - started);
  }
  const cpu = await meter.stop();
  return { what, samples: samples.sort((a, b) => a - b), cpuMs: cpu.databaseMs === undefined ? undefined : (cpu.serverMs + cpu.databaseMs) / runs };
}

async function measure(engine: FhirEngine, runs: number, backends: Backends): Promise<{ timings: Timing[]; residents: number; bhyt: number[] }> {
  const repo = engine.repo;
  const config = defaultReportConfig(HA_SON);
  const base = { repo, station: HA_SON, config, period: PERIOD, scope: {} };
  const counts = await countMeasures({ ...base, measures: ALL_COUNTED });
  const bhyt = counts.find((g) => g.rule.measure === MEASURE.bhyt)!.total;
  const measureResource = (await repo.read('Measure', MEASURE.bhyt)) as Measure;
  const timings = [
    await time('all indicators × all stratifiers (one SQL statement)', runs, backends, () => countMeasures({ ...base, measures: ALL_COUNTED })),
    await time('full report: + thresholds, official figures, attestation, Measures', runs, backends, () => buildHealthCriterion({ repo, station: HA_SON, period: PERIOD, scope: {}, criteriaSet: 'ntm-kieu-mau', trend: false })),
    await time('full report with the 12-month trend (the officers\' page)', Math.max(3, Math.floor(runs / 3)), backends, () => buildHealthCriterion({ repo, station: HA_SON, period: PERIOD, scope: {}, criteriaSet: 'ntm-kieu-mau', trend: true })),
    await time('$evaluate-measure bhyt-coverage (summary, one Measure)', runs, backends, () => evaluateMeasure({ repo, station: HA_SON, measure: measureResource, period: PERIOD, reportType: 'summary', scope: {} })),
  ];
  return { timings, residents: bhyt.initial, bhyt: [bhyt.initial, bhyt.excluded, bhyt.numerator] };
}

function print(label: string, result: { timings: Timing[]; residents: number }, goalMs: number): void {
  console.log(heading(`${label}: ${formatInt(result.residents)} residents on ${PERIOD.end}`));
  console.log(
    table(
      ['measurement', 'p50', 'p95', 'max', 'CPU/run', 'goal (p95)'],
      result.timings.map((t, i) => [
        t.what,
        formatMs(percentile(t.samples, 50)),
        formatMs(percentile(t.samples, 95)),
        formatMs(t.samples.at(-1)!),
        t.cpuMs === undefined ? '?' : formatMs(t.cpuMs),
        i < 2 ? `≤ ${formatMs(goalMs)} ${percentile(t.samples, 95) <= goalMs ? 'met' : 'NOT MET'}` : '',
      ]),
    ),
  );
}

/** The commune cloned to at least `scale` residents, as a database built once (from the seeded one) and reused. */
async function largeDatabase(baseUrl: string, seeded: string, copies: number): Promise<string> {
  const name = `${seeded}_x${copies + 1}`;
  const url = new URL(baseUrl);
  url.pathname = `/${name}`;
  const exists = (await adminQuery(baseUrl, 'SELECT 1 FROM pg_database WHERE datname = $1', [name])).length > 0;
  if (exists) {
    const marker = await adminQuery(url.toString(), `SELECT count(*)::int AS n FROM report_bench_seeded WHERE residents < 0`).catch(() => [{ n: 0 }]);
    if ((marker[0] as { n: number }).n > 0) return name;
    await adminQuery(baseUrl, `DROP DATABASE "${name}" WITH (FORCE)`);
  }
  await adminQuery(baseUrl, `CREATE DATABASE "${name}" TEMPLATE "${seeded}"`);
  console.log(heading(`Cloning the commune ${copies} times in SQL into ${name} (once; later runs reuse it)`));
  const db = await openDatabase({ databaseUrl: url.toString(), dataDir: '', poolSize: 2 });
  try {
    const started = performance.now();
    await clone(db, copies);
    await db.query(`INSERT INTO report_bench_seeded (residents, seed) VALUES (-1, -1)`);
    console.log(`  done in ${formatInt((performance.now() - started) / 1000)} s`);
  } finally {
    await db.close();
  }
  return name;
}

/**
 * Opens `name`, brings the report's facts up to date (all of them the first time: the migration, or
 * the clone, queued every resource) and its statistics and visibility map (as autovacuum would), measures.
 */
async function measureOn(baseUrl: string, name: string, runs: number): Promise<Awaited<ReturnType<typeof measure>>> {
  const url = new URL(baseUrl);
  url.pathname = `/${name}`;
  const db = await openDatabase({ databaseUrl: url.toString(), dataDir: '', poolSize: 4 });
  try {
    const started = performance.now();
    await db.transaction((tx) => refreshFacts(tx, STATION));
    console.log(`  report facts of ${name} brought up to date in ${formatInt((performance.now() - started) / 1000)} s`);
    await db.query('VACUUM ANALYZE');
    return await measure(engineOn(db), runs, () => localBackendPids(baseUrl, name));
  } finally {
    await db.close();
  }
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const baseUrl = process.env.DATABASE_URL || DEFAULT_DATABASE_URL;
  await assertReachable(baseUrl);
  writePack(PROFILE_SOURCES_DIR, BUILT_PROFILES_DIR);
  console.log(`bench:report on ${redactUrl(baseUrl)}; period ${PERIOD.start} … ${PERIOD.end}; ${args.runs} runs per measurement; load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')} on ${os.cpus().length} cores`);
  const seeded = await template(baseUrl, args);
  const small = await measureOn(baseUrl, seeded, args.runs);
  print('Synthetic commune', small, 300);
  if (args.scale === 0) return; // --scale=0: the commune only
  const copies = Math.ceil(args.scale / small.residents) - 1;
  const large = await measureOn(baseUrl, await largeDatabase(baseUrl, seeded, copies), args.runs);
  print(`Commune × ${copies + 1}`, large, 2000);
  const expected = small.bhyt.map((n) => n * (copies + 1));
  const same = large.bhyt.every((n, i) => n === expected[i]);
  console.log(`\nCheck: BHYT counts at scale [${large.bhyt.join(', ')}] = ${copies + 1} × [${small.bhyt.join(', ')}]: ${same ? 'yes' : 'NO — INVALID'}`);
  console.log(`Load average at the end: ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  if (!same) process.exitCode = 1;
}

main().catch((err) => {
  console.error('bench:report failed:', err instanceof Error ? err.stack : err);
  process.exit(1);
});
