import { formatInt, percentile } from './format';

/**
 * Fixed-concurrency HTTP load with autocannon's programmatic API. Latencies are taken from every
 * response (autocannon's 'response' event) so exact p50/p95/p99 can be given; autocannon's own
 * summary only has p50/p97.5/p99.
 */

export interface LoadOptions {
  url: string;
  method: 'GET' | 'POST' | 'PUT';
  headers?: Record<string, string>;
  /** Connections kept busy at once (requests in flight). */
  connections: number;
  durationSeconds: number;
  /** Called for every request: a fresh body each time (e.g. unique identifiers). */
  body?: () => string;
}

export interface LoadResult {
  /** Responses received, any status. */
  responses: number;
  durationSeconds: number;
  /** responses / duration */
  requestsPerSecond: number;
  latencyMs: { p50: number; p95: number; p99: number; max: number; mean: number };
  statusCounts: Record<string, number>;
  non2xx: number;
  /** Connection errors and timeouts (requests without a response). */
  errors: number;
  timeouts: number;
}

interface AutocannonResult {
  duration: number;
  errors: number;
  timeouts: number;
  non2xx: number;
}

interface AutocannonInstance {
  on(event: 'response', listener: (client: unknown, status: number, bytes: number, latencyMs: number) => void): void;
}

type Autocannon = (options: Record<string, unknown>, callback: (err: Error | null, result: AutocannonResult) => void) => AutocannonInstance;

// autocannon ships no type declarations; the few fields used here are declared above.
const autocannon = require('autocannon') as Autocannon;

export function runLoad(options: LoadOptions): Promise<LoadResult> {
  const latencies: number[] = [];
  const statusCounts: Record<string, number> = {};
  const makeBody = options.body;
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: options.url,
        method: options.method,
        headers: options.headers ?? {},
        connections: options.connections,
        duration: options.durationSeconds,
        requests: [makeBody ? { setupRequest: (req: Record<string, unknown>) => ({ ...req, body: makeBody() }) } : {}],
      },
      (err, result) => {
        if (err) return reject(err);
        latencies.sort((a, b) => a - b);
        const seconds = result.duration;
        resolve({
          responses: latencies.length,
          durationSeconds: seconds,
          requestsPerSecond: latencies.length / seconds,
          latencyMs: {
            p50: percentile(latencies, 50),
            p95: percentile(latencies, 95),
            p99: percentile(latencies, 99),
            max: latencies.length ? latencies[latencies.length - 1] : NaN,
            mean: latencies.reduce((sum, ms) => sum + ms, 0) / (latencies.length || 1),
          },
          statusCounts,
          non2xx: result.non2xx,
          errors: result.errors,
          timeouts: result.timeouts,
        });
      },
    );
    instance.on('response', (_client, status, _bytes, latencyMs) => {
      latencies.push(latencyMs);
      statusCounts[status] = (statusCounts[status] ?? 0) + 1;
    });
  });
}

/** "201×20,312, 500×3" */
export function describeStatuses(counts: Record<string, number>): string {
  return Object.entries(counts)
    .sort(([a], [b]) => Number(a) - Number(b))
    .map(([status, n]) => `${status}×${formatInt(n)}`)
    .join(', ');
}
