import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';

/** The real server running as a child process, as in production. */
export interface ServerProcess {
  pid: number;
  port: number;
  /** e.g. http://127.0.0.1:41234/fhir */
  baseUrl: string;
  /** Lines the server wrote to stdout/stderr so far (its logs). */
  output(): string[];
  /** SIGTERM, then SIGKILL after `graceMs`; resolves with the exit code (null when killed by a signal). */
  stop(graceMs?: number): Promise<number | null>;
}

export interface StartServerOptions {
  /** Script to run with node, e.g. dist/src/main.js. */
  entry: string;
  cwd: string;
  /** Added to (and overriding) the bench's own environment; PORT and FHIR_BASE_URL are set here. */
  env: Record<string, string>;
  /** Flags for node itself (default: those `npm start` gives it, see npmStartFlags). */
  nodeArgs?: string[];
  /** Path under the origin that answers 200 once the server is ready. */
  readyPath?: string;
  readyTimeoutMs?: number;
}

/**
 * The node flags of the `start` script in package.json (heap sizes, --expose-gc): every bench runs
 * the server as production does, so a flag's effect shows in every bench's figures.
 */
export function npmStartFlags(root: string): string[] {
  const scripts = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')).scripts as { start: string };
  return scripts.start.match(/--[\w-]+(=\S+)?/g) ?? [];
}

/** A TCP port that was free a moment ago on the loopback interface. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

/** Starts the server and waits until `readyPath` answers 200 (migrations done, listening). */
export async function startServer(options: StartServerOptions): Promise<ServerProcess> {
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  const env = { ...process.env, ...options.env, PORT: String(port), FHIR_BASE_URL: `${origin}/fhir` };
  const child = spawn(process.execPath, [...(options.nodeArgs ?? npmStartFlags(options.cwd)), options.entry], { cwd: options.cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  const collect = (chunk: Buffer): void => {
    lines.push(...chunk.toString('utf8').split('\n').filter((line) => line.length > 0));
  };
  child.stdout!.on('data', collect);
  child.stderr!.on('data', collect);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  try {
    await waitUntilReady(`${origin}${options.readyPath ?? '/fhir/metadata'}`, child, exited, options.readyTimeoutMs ?? 60_000);
  } catch (err) {
    child.kill('SIGKILL');
    const tail = lines.slice(-20).join('\n');
    throw new Error(`${(err as Error).message}${tail ? `\nserver output:\n${tail}` : ''}`);
  }
  return {
    pid: child.pid!,
    port,
    baseUrl: `${origin}/fhir`,
    output: () => lines,
    stop: (graceMs = 10_000) => stopChild(child, exited, graceMs),
  };
}

async function waitUntilReady(url: string, child: ChildProcess, exited: Promise<number | null>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let early: number | null | undefined;
  void exited.then((code) => (early = code));
  let lastAnswer = 'no answer (not listening)';
  while (Date.now() < deadline) {
    if (early !== undefined || child.exitCode !== null) throw new Error(`The server exited (code ${early ?? child.exitCode}) before ${url} answered`);
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
      const body = await res.text();
      if (res.status === 200) return;
      lastAnswer = `HTTP ${res.status}: ${body.slice(0, 300)}`;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`The server did not answer ${url} with 200 within ${timeoutMs} ms; last answer ${lastAnswer}`);
}

async function stopChild(child: ChildProcess, exited: Promise<number | null>, graceMs: number): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  try {
    return await exited;
  } finally {
    clearTimeout(timer);
  }
}
