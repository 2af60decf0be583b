import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { authHeaders, bootstrapEnv, newBenchClient } from './auth';
import { npmStartFlags, startServer } from './server';

/** Headers that authenticate a request (a token renewed before it expires). */
export type Headers = () => Promise<Record<string, string>>;

export interface BenchServer {
  /** e.g. http://127.0.0.1:41234/fhir */
  baseUrl: string;
  pid: number;
  headers: Headers;
  stop(): Promise<void>;
}

/**
 * The real server of the build in `root` (its dist/ and `npm start` flags) over database `url`,
 * with a fresh bench client and data folder: the server keeps its signing keys there, and a bench
 * must not reuse any.
 */
export async function startBenchServer(root: string, url: string, nodeArgs: string[] = []): Promise<BenchServer> {
  const client = newBenchClient();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ehr-bench-server-'));
  try {
    const server = await startServer({
      entry: path.join(root, 'dist/src/main.js'),
      cwd: root,
      env: { DATABASE_URL: url, LOG_LEVEL: 'warn', DATA_DIR: dataDir, ...bootstrapEnv(client) },
      nodeArgs: [...npmStartFlags(root), ...nodeArgs],
    });
    const origin = new URL(server.baseUrl).origin;
    let cached: { headers: Record<string, string>; at: number } | undefined;
    const headers: Headers = async () => {
      if (!cached || Date.now() - cached.at > 10 * 60_000) cached = { headers: await authHeaders(origin, client, 'system/*.cruds system/AuditEvent.rs'), at: Date.now() };
      return cached.headers;
    };
    return {
      baseUrl: server.baseUrl,
      pid: server.pid,
      headers,
      stop: async () => {
        await server.stop();
        fs.rmSync(dataDir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    fs.rmSync(dataDir, { recursive: true, force: true });
    throw err;
  }
}
