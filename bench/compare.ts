import { execFileSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { startBenchServer, type BenchServer } from './lib/bench-server';
import { CpuMeter } from './lib/cpu';
import { formatInt, formatMs, heading, table } from './lib/format';
import { repoRoot } from './lib/paths';
import { assertReachable, DEFAULT_DATABASE_URL, localBackendPids, type ThrowawayDatabase } from './lib/postgres';
import { runPathLoad } from './generate/load';
import { queryShapes } from './generate/shapes';
import { copyTemplate, databaseExists, templateName } from './generate/template';
import { planStation } from './generate/write';

/**
 * Builds compared side by side on one query shape of the search bench (`npm run bench:compare --
 * --patients=10000 --only=name /path/to/other/build`): each build's server runs on its own copy of
 * the station template (`npm run bench:search -- --template` makes it), all at once, and the load
 * goes to each in turn in short bursts, the order reversed every cycle. On a shared machine whose
 * speed drifts by a fifth from one minute to the next, builds measured one after the other differ
 * by more than most changes do; interleaved, the drift falls on all of them alike.
 *
 *   --patients=N   the template's size (default 10000); --seed=N (default 1)
 *   --only=TEXT    the shape: the first whose name contains TEXT (default `name`)
 *   --cycles=N     bursts per build (default 12); --seconds=N per burst (default 4)
 *   other words    the builds: folders holding a built checkout (default: this one only; the
 *                  folder given first is printed first)
 */

interface Args {
  patients: number;
  seed: number;
  only: string;
  cycles: number;
  seconds: number;
  builds: string[];
}

function parseArgs(argv: string[]): Args {
  const option = (name: string): string | undefined => argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
  const count = (name: string, fallback: number): number => {
    const value = Number(option(name) ?? fallback);
    if (!(value > 0)) throw new Error(`--${name} needs a positive number`);
    return value;
  };
  const builds = argv.filter((a) => !a.startsWith('--')).map((b) => path.resolve(b));
  return { patients: count('patients', 10_000), seed: count('seed', 1), only: option('only') ?? 'name', cycles: count('cycles', 12), seconds: count('seconds', 4), builds: builds.length ? builds : [repoRoot()] };
}

interface Contender {
  build: string;
  db: ThrowawayDatabase;
  server: BenchServer;
  responses: number;
  ms: number;
  serverMs: number;
  databaseMs: number;
  bursts: number[];
}

/** The build's commit, as `git describe` gives it (a build's folder need not be a checkout). */
function describe(build: string): string {
  try {
    return execFileSync('git', ['-C', build, 'describe', '--always', '--dirty'], { encoding: 'utf8' }).trim();
  } catch {
    return '?';
  }
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const adminUrl = process.env.DATABASE_URL ?? DEFAULT_DATABASE_URL;
  await assertReachable(adminUrl);
  const template = templateName(args.seed, args.patients);
  if (!(await databaseExists(adminUrl, template))) throw new Error(`No template ${template}: make it with npm run bench:search -- --patients=${args.patients} --template --generate-only`);
  const shape = queryShapes(planStation(args.patients, args.seed), 10).find((s) => s.name.includes(args.only));
  if (!shape) throw new Error(`No query shape's name contains "${args.only}"`);
  console.log(heading(`${shape.name}: ${args.builds.length} builds interleaved, ${args.cycles} bursts of ${args.seconds} s each, ${formatInt(args.patients)} residents`));
  console.log(`load average at the start ${os.loadavg().map((l) => l.toFixed(2)).join(' ')} on ${os.cpus().length} cores`);
  const contenders: Contender[] = [];
  try {
    for (const build of args.builds) {
      const db = await copyTemplate(adminUrl, template);
      try {
        contenders.push({ build, db, server: await startBenchServer(build, db.url), responses: 0, ms: 0, serverMs: 0, databaseMs: 0, bursts: [] });
      } catch (err) {
        await db.drop();
        throw err;
      }
    }
    const burst = async (c: Contender, seconds: number, counted: boolean): Promise<void> => {
      const meter = await CpuMeter.start(c.server.pid, () => localBackendPids(c.db.url, c.db.name));
      const started = Date.now();
      const load = await runPathLoad({
        origin: new URL(c.server.baseUrl).origin,
        paths: shape.paths.map((p) => `${new URL(c.server.baseUrl).pathname}/${p}`),
        headers: { accept: 'application/fhir+json', ...(await c.server.headers()) },
        connections: shape.connections,
        durationSeconds: seconds,
      });
      const cpu = await meter.stop();
      if (counted) {
        c.responses += load.responses;
        c.ms += Date.now() - started;
        c.serverMs += cpu.serverMs;
        c.databaseMs += cpu.databaseMs ?? NaN;
        c.bursts.push(load.requestsPerSecond);
      }
    };
    // A first short burst each warms the caches and the prepared statements (not counted).
    for (const c of contenders) await burst(c, 2, false);
    for (let cycle = 0; cycle < args.cycles; cycle++) for (const c of cycle % 2 ? [...contenders].reverse() : contenders) await burst(c, args.seconds, true);
  } finally {
    for (const c of contenders) {
      await c.server.stop();
      await c.db.drop();
    }
  }
  const rows = contenders.map((c) => [
    `${c.build} (${describe(c.build)})`,
    formatInt((c.responses / c.ms) * 1000),
    `${formatInt(Math.min(...c.bursts))}–${formatInt(Math.max(...c.bursts))}`,
    formatMs(c.serverMs / c.responses),
    formatMs(c.databaseMs / c.responses),
  ]);
  console.log(table(['build', 'req/s', 'bursts, req/s', 'CPU server', 'CPU PostgreSQL'], rows));
  console.log('CPU columns: per request, of the server process and of the database backends.');
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
