import { execFileSync } from 'node:child_process';
import fs from 'node:fs';

/**
 * CPU time used by a process, from /proc/<pid>/stat. On a shared 2-core machine throughput swings
 * with whatever else runs, but CPU time per request moves much less: it is the steadier figure
 * to compare two builds of the server with.
 */

let ticksPerSecond: number | undefined;

function clockTicks(): number {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      ticksPerSecond = 100; // Linux's USER_HZ on every common architecture
    }
  }
  return ticksPerSecond;
}

/** User + system CPU of `pid` so far, in ms; undefined once the process is gone. */
export function processCpuMs(pid: number): number | undefined {
  let stat: string;
  try {
    stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // Fields after the command name (which may hold spaces) in parentheses; utime and stime are the 14th and 15th.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / clockTicks();
}

export interface CpuUse {
  /** The server process. */
  serverMs: number;
  /** PostgreSQL backends serving the bench database (undefined when PostgreSQL is not on this machine). */
  databaseMs: number | undefined;
  /** This process: the load generator, or the raw-insert client. */
  benchMs: number;
}

/**
 * CPU used during one phase by the server, by the database's backends and by the bench itself.
 * Backends are looked up at start and end; one that closed in between is not counted, so keep
 * the pool warm (connections stay open under steady load).
 */
export class CpuMeter {
  private constructor(
    private readonly pid: number,
    private readonly backends: () => Promise<number[]>,
    private readonly serverStart: number,
    private readonly databaseStart: Map<number, number>,
    private readonly selfStart: NodeJS.CpuUsage,
  ) {}

  static async start(pid: number, backends: () => Promise<number[]>): Promise<CpuMeter> {
    const databaseStart = cpuByPid(await backends());
    return new CpuMeter(pid, backends, processCpuMs(pid) ?? NaN, databaseStart, process.cpuUsage());
  }

  async stop(): Promise<CpuUse> {
    const self = process.cpuUsage(this.selfStart);
    const serverMs = (processCpuMs(this.pid) ?? NaN) - this.serverStart;
    const end = cpuByPid(await this.backends());
    let databaseMs: number | undefined;
    for (const [pid, ms] of end) databaseMs = (databaseMs ?? 0) + ms - (this.databaseStart.get(pid) ?? 0);
    return { serverMs, databaseMs, benchMs: (self.user + self.system) / 1000 };
  }
}

/** CPU so far of each pid that is a process on this machine. */
function cpuByPid(pids: number[]): Map<number, number> {
  const result = new Map<number, number>();
  for (const pid of pids) {
    const ms = processCpuMs(pid);
    if (ms !== undefined) result.set(pid, ms);
  }
  return result;
}
