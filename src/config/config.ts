/**
 * Typed configuration, read once from the environment at boot and passed down explicitly
 * (no global getConfig()): every module that needs a setting receives it as a parameter.
 */
export interface Config {
  /** HTTP port. */
  port: number;
  /** PostgreSQL connection string; when absent the embedded PGlite database is used. */
  databaseUrl?: string;
  /** Where the embedded database (and, later, generated keys) live. */
  dataDir: string;
  /** Public base URL of the FHIR endpoint, used in Location headers and Bundle links. */
  baseUrl: string;
  /** Largest accepted request body, in bytes (413 above it). */
  maxBodyBytes: number;
  /** Tenant of every stored row; one station per deployment for now. */
  stationId: string;
  /** IANA zone in which dates without a timezone are read (issue: UTC+7 visits must not shift a day). */
  timeZone: string;
  /** Connections in the PostgreSQL pool (ignored in embedded mode, which has exactly one). */
  poolSize: number;
  /** pino log level. */
  logLevel: string;
  /** Browser origins allowed to call the API (CORS); none by default. */
  corsOrigins: string[];
  /** Sign-in and token requests allowed per minute per address. */
  loginRateLimit: number;
  /** Trust X-Forwarded-* from a reverse proxy (for client addresses and Secure cookies behind TLS). */
  trustProxy: boolean;
  /**
   * Absolute lifetime of a refresh token family (one sign-in of a resident's app), in days from the
   * sign-in: rotation does not extend it; after it the resident signs in again.
   */
  refreshFamilyDays: number;
}

/** Parses a size such as "20mb", "512kb" or "1048576" into bytes. */
export function parseBytes(text: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(b|kb|mb|gb)?\s*$/i.exec(text);
  if (!match) throw new Error(`Invalid size: ${text}`);
  const units: Record<string, number> = { b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3 };
  return Math.round(parseFloat(match[1]) * units[(match[2] ?? 'b').toLowerCase()]);
}

function intFrom(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) throw new Error(`${name} must be a non-negative integer, got "${raw}"`);
  return value;
}

function positiveIntFrom(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const value = intFrom(env, name, fallback);
  if (value === 0) throw new Error(`${name} must be a positive integer, got "${env[name]}"`);
  return value;
}

/** Builds the configuration from environment variables, failing fast on invalid values. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const port = intFrom(env, 'PORT', 8080);
  const baseUrl = (env.FHIR_BASE_URL ?? `http://localhost:${port}/fhir`).replace(/\/+$/, '');
  const stationId = env.STATION_ID ?? 'default';
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(stationId)) throw new Error('STATION_ID must be 1-64 letters, digits, _ or -');
  return {
    port,
    databaseUrl: env.DATABASE_URL || undefined,
    dataDir: env.DATA_DIR ?? './data',
    baseUrl,
    maxBodyBytes: parseBytes(env.MAX_BODY_SIZE ?? '20mb'),
    stationId,
    timeZone: env.STATION_TIMEZONE ?? 'Asia/Ho_Chi_Minh',
    poolSize: intFrom(env, 'DB_POOL_SIZE', 10),
    logLevel: env.LOG_LEVEL ?? 'info',
    corsOrigins: (env.CORS_ORIGINS ?? '').split(',').map((o) => o.trim()).filter(Boolean),
    loginRateLimit: intFrom(env, 'LOGIN_RATE_LIMIT', 30),
    trustProxy: env.TRUST_PROXY === 'true',
    refreshFamilyDays: positiveIntFrom(env, 'REFRESH_FAMILY_DAYS', 90),
  };
}
