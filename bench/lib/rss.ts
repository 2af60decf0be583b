import fs from 'node:fs';

/** A field of /proc/<pid>/status in kB (VmRSS = resident now, VmHWM = peak resident so far), or undefined once the process is gone. */
export function readStatusKb(pid: number, field: 'VmRSS' | 'VmHWM'): number | undefined {
  let status: string;
  try {
    status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return undefined;
  }
  const match = new RegExp(`^${field}:\\s+(\\d+)\\s+kB`, 'm').exec(status);
  return match ? Number(match[1]) : undefined;
}

export interface RssPeak {
  /** Highest VmRSS seen by sampling, in MB (MiB). */
  sampledMb: number;
  /** The kernel's own high-water mark (VmHWM) at the time of reading, in MB (MiB); covers the whole life of the process. */
  hwmMb: number | undefined;
}

const toMb = (kb: number): number => kb / 1024;

/**
 * Samples a process's resident memory every `intervalMs` (VmRSS) and reads the kernel's peak (VmHWM)
 * on demand. Read `peak()` before the process exits: /proc/<pid> vanishes with it.
 */
export class RssSampler {
  private maxKb = 0;
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly pid: number,
    intervalMs = 100,
  ) {
    this.sample();
    this.timer = setInterval(() => this.sample(), intervalMs);
    this.timer.unref();
  }

  private sample(): void {
    const kb = readStatusKb(this.pid, 'VmRSS');
    if (kb !== undefined && kb > this.maxKb) this.maxKb = kb;
  }

  /** Peak so far. */
  peak(): RssPeak {
    this.sample();
    const hwm = readStatusKb(this.pid, 'VmHWM');
    return { sampledMb: toMb(this.maxKb), hwmMb: hwm === undefined ? undefined : toMb(hwm) };
  }

  /** Current resident memory in MB (MiB). */
  currentMb(): number | undefined {
    const kb = readStatusKb(this.pid, 'VmRSS');
    return kb === undefined ? undefined : toMb(kb);
  }

  stop(): RssPeak {
    const result = this.peak();
    clearInterval(this.timer);
    return result;
  }
}
