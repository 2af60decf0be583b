import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import pino from 'pino';
import { createApp } from '../../src/app';
import { loadConfig, type Config } from '../../src/config/config';
import type { Database } from '../../src/db/database';
import { createFhirEngine, type FhirEngine } from '../../src/fhir/engine';
import { createTestDatabase } from './database';

export interface TestServer {
  /** FHIR base, e.g. http://127.0.0.1:41234/fhir */
  baseUrl: string;
  engine: FhirEngine;
  db: Database;
  config: Config;
  close(): Promise<void>;
}

/** Starts the real HTTP server on a free loopback port over a throwaway database. */
export async function startTestServer(env: Record<string, string> = {}): Promise<TestServer> {
  const db = await createTestDatabase();
  const server: Server = await new Promise((resolve) => {
    const s = require('node:http').createServer();
    s.listen(0, '127.0.0.1', () => resolve(s));
  });
  const port = (server.address() as AddressInfo).port;
  const config = loadConfig({ ...env, PORT: String(port), FHIR_BASE_URL: `http://127.0.0.1:${port}/fhir`, LOG_LEVEL: 'silent' });
  const engine = createFhirEngine(db, { stationId: config.stationId, timeZone: config.timeZone, baseUrl: config.baseUrl, version: 'test' });
  const app = createApp({ config, engine, logger: pino({ level: 'silent' }) });
  server.on('request', app);
  return {
    baseUrl: config.baseUrl,
    engine,
    db,
    config,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await db.close();
    },
  };
}

/** fetch against the server with FHIR JSON defaults; returns status, headers and parsed body. */
export async function fhirFetch(
  url: string,
  init: { method?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<{ status: number; headers: Headers; body: any }> {
  const headers: Record<string, string> = { accept: 'application/fhir+json', ...init.headers };
  let body: string | undefined;
  if (init.body !== undefined) {
    body = typeof init.body === 'string' ? init.body : JSON.stringify(init.body);
    headers['content-type'] ??= 'application/fhir+json';
  }
  const res = await fetch(url, { method: init.method ?? 'GET', headers, body });
  const text = await res.text();
  let parsed: unknown;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = text;
  }
  return { status: res.status, headers: res.headers, body: parsed };
}
