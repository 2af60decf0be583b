import { percentile } from '../lib/format';

/**
 * Fixed-concurrency load with autocannon where every request takes the next path from a list
 * (a different patient, a different ID card number): a benchmark that asks the same URL again and
 * again measures the caches more than the search. bench/lib/http-load.ts runs a fixed URL.
 */

export interface PathLoadOptions {
  origin: string;
  paths: string[];
  headers: Record<string, string>;
  connections: number;
  durationSeconds: number;
}

export interface PathLoadResult {
  responses: number;
  requestsPerSecond: number;
  latencyMs: { p50: number; p95: number; p99: number };
  statusCounts: Record<string, number>;
  errors: number;
}

type Autocannon = (options: Record<string, unknown>, callback: (err: Error | null, result: { duration: number; errors: number; timeouts: number }) => void) => {
  on(event: 'response', listener: (client: unknown, status: number, bytes: number, latencyMs: number) => void): void;
};

// autocannon ships no type declarations; the few fields used here are declared above.
const autocannon = require('autocannon') as Autocannon;

export function runPathLoad(options: PathLoadOptions): Promise<PathLoadResult> {
  const latencies: number[] = [];
  const statusCounts: Record<string, number> = {};
  let next = 0;
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: options.origin,
        headers: options.headers,
        connections: options.connections,
        duration: options.durationSeconds,
        requests: [{ method: 'GET', setupRequest: (req: Record<string, unknown>) => ({ ...req, path: options.paths[next++ % options.paths.length] }) }],
      },
      (err, result) => {
        if (err) return reject(err);
        latencies.sort((a, b) => a - b);
        resolve({
          responses: latencies.length,
          requestsPerSecond: latencies.length / result.duration,
          latencyMs: { p50: percentile(latencies, 50), p95: percentile(latencies, 95), p99: percentile(latencies, 99) },
          statusCounts,
          errors: result.errors + result.timeouts,
        });
      },
    );
    instance.on('response', (_client, status, _bytes, latencyMs) => {
      latencies.push(latencyMs);
      statusCounts[status] = (statusCounts[status] ?? 0) + 1;
    });
  });
}
