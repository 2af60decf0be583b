import { CpuMeter, type CpuUse } from './cpu';
import { PERF_NODE_ARGS, PerfRecording, type PerfSummary } from './perf-profile';

/** The metering of one phase (a load, a query shape) of a bench. */
export interface PhaseMeter {
  /** The CPU used since the start, and the phase's perf summary when `perf` recorded one. */
  stop(): Promise<{ cpu: CpuUse; perf?: PerfSummary }>;
}

/** Meters one phase: CPU of the server, its database backends and the bench; with `perf`, the server recorded by Linux perf. */
export async function startPhaseMeter(serverPid: number, backends: () => Promise<number[]>, perf: boolean): Promise<PhaseMeter> {
  const recording = perf ? PerfRecording.start(serverPid) : undefined;
  const meter = await CpuMeter.start(serverPid, backends);
  return {
    stop: async () => {
      const cpu = await meter.stop();
      return { cpu, perf: await recording?.stop() };
    },
  };
}

/** Node flags that profile the server: V8's CPU profile into `profileDir` (--cpu-prof), named JIT frames for perf (--perf). */
export function profilingNodeArgs(profileDir: string | undefined, perf: boolean): string[] {
  return [...(profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : []), ...(perf ? PERF_NODE_ARGS : [])];
}
