import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { formatInt, formatNumber, table } from './format';

/**
 * Where the server's CPU went during one phase, from Linux `perf` (`--perf` of the benches).
 *
 * The V8 profiler (`--cpu-prof`) samples on a clock: a thread waiting for a core is charged to
 * what it was running, so on two cores shared with PostgreSQL and the load generator `writev`
 * looked like an eighth of the server. `perf record -e cpu-clock` counts only time on a core, for
 * every thread (V8's helper runs the concurrent GC and the optimising compiler). The server runs
 * with `--perf-basic-prof`, which writes /tmp/perf-<pid>.map so JIT frames have names.
 *
 * Each sample on the main thread is charged to the first JavaScript frame of its stack: a built-in
 * (JSON.stringify, a property lookup, GC work the thread did itself) counts for the function that
 * called it, the way a profile is read when asking "which of our code costs this".
 */

/**
 * V8's own log, which `--perf-basic-prof` turns on: by default an `isolate-…-v8.log` in the server's
 * working directory (the repository); here a file of this bench run, removed with the symbol map.
 */
const V8_LOG = path.join(os.tmpdir(), `ehr-bench-v8-${process.pid}.log`);

/** Node flags the server needs for named JIT frames. */
export const PERF_NODE_ARGS = ['--perf-basic-prof', '--no-logfile-per-isolate', `--logfile=${V8_LOG}`];

export interface PerfShare {
  name: string;
  /** Share of the samples it is a share of, 0-100. */
  percent: number;
}

export interface PerfSummary {
  samples: number;
  /** Main thread, V8's helper thread(s), others: share of all the server's samples. */
  threads: PerfShare[];
  /** The main thread's samples by kind: JavaScript, V8 runtime and built-ins, GC, kernel. */
  kinds: PerfShare[];
  /** The main thread's samples by first JavaScript frame. */
  functions: PerfShare[];
}

/** Why `perf` cannot record here, or undefined when it can. */
export function perfUnavailable(): string | undefined {
  const version = spawnSync('perf', ['--version'], { encoding: 'utf8' });
  if (version.error || version.status !== 0) return 'the perf command is not installed (Debian: linux-perf)';
  const paranoid = Number(fs.readFileSync('/proc/sys/kernel/perf_event_paranoid', 'utf8').trim());
  if (paranoid > 1 && process.getuid?.() !== 0) return `perf_event_paranoid is ${paranoid} and this is not root`;
  return undefined;
}

/** A `perf record` of one process, started now. */
export class PerfRecording {
  private constructor(
    private readonly pid: number,
    private readonly file: string,
    private readonly child: ChildProcess,
    private readonly exited: Promise<void>,
  ) {}

  static start(pid: number): PerfRecording {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'ehr-bench-perf-')), 'perf.data');
    const child = spawn('perf', ['record', '-e', 'cpu-clock', '-F', '999', '-g', '-p', String(pid), '-o', file], { stdio: 'ignore' });
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    return new PerfRecording(pid, file, child, exited);
  }

  /** Stops recording and summarises it; undefined when perf wrote nothing to read. */
  async stop(): Promise<PerfSummary | undefined> {
    this.child.kill('SIGINT');
    await this.exited;
    try {
      const script = spawnSync('perf', ['script', '-i', this.file, '-F', 'tid,ip,sym,dso'], { encoding: 'utf8', maxBuffer: 1 << 30 });
      return script.status === 0 ? summarisePerfScript(script.stdout, this.pid) : undefined;
    } finally {
      fs.rmSync(path.dirname(this.file), { recursive: true, force: true });
    }
  }
}

/** Removes the symbol map and the V8 log `--perf-basic-prof` left for a server that has ended. */
export function removePerfMap(pid: number): void {
  fs.rmSync(`/tmp/perf-${pid}.map`, { force: true });
  fs.rmSync(V8_LOG, { force: true });
}

interface Frame {
  symbol: string;
  dso: string;
}

/** `perf script -F tid,ip,sym,dso` output: a header line per sample (its thread id), then a frame per line. */
export function summarisePerfScript(text: string, mainTid: number): PerfSummary {
  const threads = new Map<string, number>();
  const kinds = new Map<string, number>();
  const functions = new Map<string, number>();
  const add = (m: Map<string, number>, key: string): void => void m.set(key, (m.get(key) ?? 0) + 1);
  let samples = 0;
  let main = 0;
  const take = (tid: number, frames: Frame[]): void => {
    samples++;
    if (tid !== mainTid) return add(threads, isV8Helper(frames) ? 'V8 helper (GC, compiler)' : 'other threads');
    add(threads, 'main thread');
    main++;
    add(kinds, kindOf(frames[0]));
    const js = frames.find((f) => f.symbol.startsWith('JS:'));
    add(functions, js ? shortJs(js.symbol) : `(no JavaScript on the stack) ${frames[0] ? withoutParameters(frames[0].symbol) : '?'}`);
  };
  let tid: number | undefined;
  let frames: Frame[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    if (!line.startsWith('\t')) {
      if (tid !== undefined) take(tid, frames);
      tid = Number(line.trim().split(/\s+/)[0]);
      frames = [];
      continue;
    }
    // "<ip> <symbol> (<dso>)"
    const m = /^\s*[0-9a-f]+\s+(.*?)\s+\(([^)]*)\)\s*$/.exec(line);
    if (m) frames.push({ symbol: m[1], dso: m[2] });
  }
  if (tid !== undefined) take(tid, frames);
  const rank = (m: Map<string, number>, of: number): PerfShare[] =>
    [...m].map(([name, n]) => ({ name, percent: (100 * n) / (of || 1) })).sort((a, b) => b.percent - a.percent);
  return { samples, threads: rank(threads, samples), kinds: rank(kinds, main), functions: rank(functions, main) };
}

const GC = /Scaveng|MarkCompact|Marking|Sweep|Heap::|Evacuat|Compactor|GCTracer|MinorMC/;

function kindOf(top: Frame | undefined): string {
  if (!top) return 'unknown';
  if (top.dso.includes('kernel')) return 'kernel (system calls, network)';
  // Interpreted code runs in V8's bytecode handlers (Builtins_…), so it is counted with the built-ins.
  if (top.symbol.startsWith('JS:')) return 'compiled JavaScript';
  if (GC.test(top.symbol)) return 'garbage collection';
  if (top.symbol.startsWith('Builtins_') || top.symbol.startsWith('v8::') || top.symbol.includes('Runtime_')) return 'V8 built-ins, interpreter and runtime (property lookups, JSON, strings…)';
  if (/libc|ld-linux/.test(top.dso)) return 'C library (memory copies, allocation)';
  return 'other native code (Node, libuv, OpenSSL…)';
}

/** A thread of V8's platform pool: its stacks run through its worker loop. */
function isV8Helper(frames: Frame[]): boolean {
  return frames.some((f) => f.symbol.includes('WorkerThreadsTaskRunner') || f.symbol.includes('DefaultJobWorker') || f.symbol.includes('PlatformWorker'));
}

/** "JS:*walk /…/dist/src/fhir/index/paths.js:114:14" → "walk dist/src/fhir/index/paths.js:114". */
function shortJs(symbol: string): string {
  const m = /^JS:[*~^+-]?(\S*)\s+(\S+?)(?::\d+)?$/.exec(symbol);
  if (!m) return symbol.slice(3);
  const where = m[2].replace(/^.*?\/(node_modules\/|dist\/)/, '$1').replace(/^file:\/\//, '');
  return `${m[1] || '(anonymous)'} ${where}`;
}

/** A C++ symbol without its parameter list: "v8::internal::Heap::Scavenge(int)" → "v8::internal::Heap::Scavenge". */
function withoutParameters(symbol: string): string {
  if (!symbol.endsWith(')')) return symbol;
  let depth = 0;
  for (let i = symbol.length - 1; i >= 0; i--) {
    if (symbol[i] === ')') depth++;
    else if (symbol[i] === '(' && --depth === 0) return symbol.slice(0, i);
  }
  return symbol;
}

/** Prints a phase's summary: threads, the main thread's kinds of work, and its top functions. */
export function printPerfSummary(summary: PerfSummary | undefined, top = 25): void {
  if (!summary) {
    console.log('perf: nothing recorded');
    return;
  }
  const rows = (shares: PerfShare[], n: number): string[][] => shares.slice(0, n).map((s) => [`${formatNumber(s.percent, 1)}%`, s.name]);
  console.log(`\nperf (cpu-clock, only time on a core), ${formatInt(summary.samples)} samples of the server:`);
  console.log(table(['share', 'thread'], rows(summary.threads, 5)));
  console.log('');
  console.log(table(['of main', 'kind of work on the main thread (its top frame)'], rows(summary.kinds, 8)));
  console.log('');
  console.log(table(['of main', 'first JavaScript frame (built-ins it called count for it)'], rows(summary.functions, top)));
}
