import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import pino from 'pino';
import { createApp } from '../../src/app';
import { ephemeralSigningKeys, type SigningKeys } from '../../src/auth/keys';
import type { AuthService } from '../../src/auth/service';
import { createAuthService } from '../../src/auth/setup';
import { loadConfig, type Config } from '../../src/config/config';
import type { Database } from '../../src/db/database';
import { createFhirEngine, type FhirEngine } from '../../src/fhir/engine';
import { createHttpServer, serveApp } from '../../src/http/server';
import { stationWriteChecks } from '../../src/station/engine';
import { loadStationConfig } from '../../src/station/config';
import { createTestDatabase } from './database';

export interface TestServer {
  /** FHIR base, e.g. http://127.0.0.1:41234/fhir */
  baseUrl: string;
  /** Server origin, e.g. http://127.0.0.1:41234 */
  origin: string;
  engine: FhirEngine;
  auth: AuthService;
  db: Database;
  config: Config;
  /** The clinician token fhirFetch sends by default to this server. */
  token: string;
  /** The server's signing keys (tests forge and tamper with tokens to check they are refused). */
  keys: SigningKeys;
  /** Signs in (for real, over HTTP) as a new staff member with these roles; returns a bearer token. */
  staffToken(roles: string[]): Promise<string>;
  /** A SMART Backend Services token of the bootstrap client (client_credentials), optionally narrowed. */
  systemToken(scope?: string): Promise<string>;
  close(): Promise<void>;
}

export const BOOTSTRAP_CLIENT = { id: 'bootstrap-test', secret: 'bootstrap-test-secret' };
const ADMIN = { username: 'admin', password: 'station-test-password' };

/** Default bearer token per server origin, so tests talk to the API as a signed-in clinician. */
const defaultTokens = new Map<string, string>();

/**
 * Starts the real HTTP server on a free loopback port over a throwaway database, with real
 * authentication: tests sign in through the same endpoints as everyone (no switch turns it off).
 */
export async function startTestServer(env: Record<string, string> = {}, options: { stationRules?: boolean } = {}): Promise<TestServer> {
  const db = await createTestDatabase();
  const server: Server = createHttpServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const origin = `http://127.0.0.1:${port}`;
  const fullEnv = {
    STATION_ADMIN_USERNAME: ADMIN.username,
    STATION_ADMIN_PASSWORD: ADMIN.password,
    FHIR_BOOTSTRAP_CLIENT_ID: BOOTSTRAP_CLIENT.id,
    FHIR_BOOTSTRAP_CLIENT_SECRET: BOOTSTRAP_CLIENT.secret,
    LOGIN_RATE_LIMIT: '10000',
    ...env,
    PORT: String(port),
    FHIR_BASE_URL: `${origin}/fhir`,
    LOG_LEVEL: 'silent',
  };
  const config = loadConfig(fullEnv);
  // The station's rules run on every write in production; tests of the station ask for them
  // (test/station builds the profile pack too), the engine's own tests work on plain R4.
  const station = loadStationConfig(fullEnv);
  const checks = options.stationRules ? stationWriteChecks(station, config.timeZone) : {};
  const engine = createFhirEngine(db, { stationId: config.stationId, timeZone: config.timeZone, baseUrl: config.baseUrl, version: 'test', ...checks });
  const keys = await ephemeralSigningKeys();
  const auth = await createAuthService(db, engine, { stationId: config.stationId, baseUrl: config.baseUrl, env: fullEnv, dataDir: '', keys, refreshFamilyDays: config.refreshFamilyDays });
  const { app, close: closeApp, serverLimits } = createApp({ config, engine, auth, logger: pino({ level: 'silent' }), station });
  serveApp(server, app, serverLimits);

  const signIn = async (username: string, password: string): Promise<string> => {
    const res = await fetch(`${origin}/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password, mode: 'token' }) });
    if (res.status !== 200) throw new Error(`sign-in failed: ${res.status} ${await res.text()}`);
    return ((await res.json()) as { access_token: string }).access_token;
  };
  const staffToken = async (roles: string[]): Promise<string> => {
    const username = `${roles.join('-')}-${randomUUID().slice(0, 8)}`;
    const password = `pw-${randomUUID()}`;
    await auth.createStaff({ username, password, roles, name: username }, engine.repo);
    return signIn(username, password);
  };
  const systemToken = async (scope?: string): Promise<string> => {
    const body = new URLSearchParams({ grant_type: 'client_credentials', ...(scope ? { scope } : {}) });
    const res = await fetch(`${origin}/oauth2/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`${BOOTSTRAP_CLIENT.id}:${BOOTSTRAP_CLIENT.secret}`).toString('base64')}` },
      body,
    });
    if (res.status !== 200) throw new Error(`client_credentials failed: ${res.status} ${await res.text()}`);
    return ((await res.json()) as { access_token: string }).access_token;
  };
  const token = await staffToken(['clinician']);
  defaultTokens.set(origin, token);
  return {
    baseUrl: config.baseUrl,
    origin,
    engine,
    auth,
    db,
    config,
    token,
    keys,
    staffToken,
    systemToken,
    close: async () => {
      defaultTokens.delete(origin);
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      closeApp();
      await engine.repo.flushAudit();
      await db.close();
    },
  };
}

/**
 * fetch with FHIR JSON defaults; returns status, headers and parsed body. Sends the server's
 * default clinician token unless `token` is given (null sends none).
 */
export async function fhirFetch(
  url: string,
  init: { method?: string; body?: unknown; headers?: Record<string, string>; token?: string | null } = {},
): Promise<{ status: number; headers: Headers; body: any }> {
  const headers: Record<string, string> = { accept: 'application/fhir+json', ...init.headers };
  const token = init.token === undefined ? defaultTokens.get(new URL(url).origin) : init.token;
  if (token && !headers.authorization) headers.authorization = `Bearer ${token}`;
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
