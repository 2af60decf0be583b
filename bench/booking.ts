import fs from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { AuthStore } from '../src/auth/store';
import type { Database } from '../src/db/database';
import { openDatabase } from '../src/db/datasource';
import { createFhirEngine } from '../src/fhir/engine';
import { startSubscriptionDispatcher, type SubscriptionDispatcher } from '../src/subscriptions/dispatcher';
import { clientOwnerResolver } from '../src/subscriptions/owner';
import { TM_CS, TM_EXT } from '../src/telemedicine/canonical';
import { authHeaders, bootstrapEnv, newBenchClient } from './lib/auth';
import { mapWithConcurrency } from './lib/concurrency';
import { formatInt, formatMs, formatNumber, formatSeconds, heading, percentile, table } from './lib/format';
import { repoRoot } from './lib/paths';
import { assertReachable, createThrowawayDatabase, DEFAULT_DATABASE_URL, redactUrl } from './lib/postgres';
import { startServer, type ServerProcess } from './lib/server';

/**
 * Booking benchmark (issue 7): the real server as a child process over a fresh PostgreSQL database;
 * a day of 15-minute slots for a few practitioners, then concurrent clients booking them with
 * Appointment/$book until every slot is taken — each picks at random among the slots it last saw
 * free, so several often go for the same one (409) and list again. Reports bookings per second
 * under that contention, the booking latency, that no slot was booked twice, and how long a
 * booking takes to reach a telemedicine platform (a loopback HTTP server) through a rest-hook
 * Subscription (p95). Not a test: it fails only when something could not run or went wrong.
 *
 * Flags (after `npm run bench:booking --`): --practitioners=N (4) --clients=N (20) --patients=N (300)
 */

interface Args {
  practitioners: number;
  clients: number;
  patients: number;
}

const SLOT_MINUTES = 15;
const DAY_HOURS = { start: '07:00:00', end: '17:00:00' };
const JOIN_TEMPLATES = [
  { url: TM_EXT.virtualService, extension: [{ url: 'channelType', valueCoding: { system: TM_CS.channel, code: 'video' } }, { url: 'address', valueUrl: 'https://video.commune-ehr.example/phong/{room}' }] },
  { url: TM_EXT.virtualService, extension: [{ url: 'channelType', valueCoding: { system: TM_CS.channel, code: 'phone' } }, { url: 'address', valueContactPoint: { system: 'phone', value: '+84 237 3800 000' } }] },
];

function parseArgs(argv: string[]): Args {
  const args: Args = { practitioners: 4, clients: 20, patients: 300 };
  for (const arg of argv) {
    const m = /^--(practitioners|clients|patients)=(\d+)$/.exec(arg);
    if (!m) throw new Error(`Unknown flag ${arg}; use --practitioners=N --clients=N --patients=N`);
    args[m[1] as keyof Args] = Number(m[2]);
  }
  return args;
}

type Fhir = (method: string, path: string, body?: unknown) => Promise<{ status: number; body: any }>;

function fhirClient(baseUrl: string, headers: Record<string, string>): Fhir {
  return async (method, p, body) => {
    const res = await fetch(`${baseUrl}/${p}`, { method, headers: { ...headers, accept: 'application/fhir+json', 'content-type': 'application/fhir+json' }, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  };
}

async function created(fhir: Fhir, resource: Record<string, unknown>): Promise<string> {
  const res = await fhir('POST', String(resource.resourceType), resource);
  if (res.status !== 201) throw new Error(`create ${resource.resourceType}: HTTP ${res.status} ${JSON.stringify(res.body).slice(0, 300)}`);
  return res.body.id;
}

/** Tomorrow in the station's zone (UTC+7), so every slot lies in the future. */
function tomorrow(): string {
  return new Date(Date.now() + 86_400_000 + 7 * 3_600_000).toISOString().slice(0, 10);
}

/** Practitioners with working hours and a schedule each; returns the free slot ids of the day. */
async function setUpDay(fhir: Fhir, practitioners: number): Promise<string[]> {
  const day = tomorrow();
  const slots: string[] = [];
  for (let i = 0; i < practitioners; i++) {
    const practitioner = await created(fhir, { resourceType: 'Practitioner', name: [{ text: `Bác sĩ ${i + 1}` }] });
    const role = await created(fhir, { resourceType: 'PractitionerRole', practitioner: { reference: `Practitioner/${practitioner}` }, availableTime: [{ availableStartTime: DAY_HOURS.start, availableEndTime: DAY_HOURS.end }] });
    const schedule = await created(fhir, { resourceType: 'Schedule', actor: [{ reference: `Practitioner/${practitioner}` }, { reference: `PractitionerRole/${role}` }], extension: JOIN_TEMPLATES });
    const parameters = { resourceType: 'Parameters', parameter: [{ name: 'start', valueString: day }, { name: 'end', valueString: day }, { name: 'slot-minutes', valueInteger: SLOT_MINUTES }] };
    const generated = await fhir('POST', `Schedule/${schedule}/$generate-slots`, parameters);
    if (generated.status !== 200) throw new Error(`$generate-slots: HTTP ${generated.status}`);
    const found = await fhir('GET', `Slot?schedule=Schedule/${schedule}&_count=1000`);
    slots.push(...(found.body.entry ?? []).map((e: any) => e.resource.id));
  }
  return slots;
}

async function createPatients(fhir: Fhir, count: number): Promise<string[]> {
  const entry = Array.from({ length: count }, (_, i) => ({ request: { method: 'POST', url: 'Patient' }, resource: { resourceType: 'Patient', name: [{ family: 'Nguyễn', given: [`Thử ${i + 1}`] }], gender: i % 2 ? 'female' : 'male' } }));
  const res = await fhir('POST', '', { resourceType: 'Bundle', type: 'transaction', entry });
  if (res.status !== 200) throw new Error(`patients: HTTP ${res.status}`);
  return res.body.entry.map((e: any) => /Patient\/([^/]+)/.exec(e.response.location)![1]);
}

/** The platform: remembers when it heard each appointment version. */
class Platform {
  readonly heard = new Map<string, number>();
  private server?: Server;
  url = '';

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const now = Date.now();
        const bundle = JSON.parse(Buffer.concat(chunks).toString('utf8'));
        for (const e of bundle.entry.slice(1)) if (e.resource) this.heard.set(`${e.resource.id}/${e.resource.meta.versionId}`, now);
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/notify`;
  }

  stop(): Promise<void> {
    this.server?.closeAllConnections();
    return new Promise((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

interface Booking {
  status: number;
  ms: number;
  appointment?: { id: string; versionId: string; lastUpdated: string };
}

/**
 * Clients booking as residents' apps do: each lists the free slots, picks one at random and books
 * it; told the slot is taken (409), it lists them again. They stop when none is left, so towards
 * the end many go for the same few slots. Every slot ends up taken exactly once.
 */
async function bookAll(fhir: Fhir, day: string, patients: string[], clients: number): Promise<{ bookings: Booking[]; ms: number }> {
  const bookings: Booking[] = [];
  const freeSlots = async (): Promise<string[]> => {
    const res = await fhir('GET', `Slot?status=free&start=ge${day}&_elements=id&_count=1000`);
    return (res.body.entry ?? []).map((e: any) => e.resource.id);
  };
  const started = performance.now();
  await mapWithConcurrency(
    Array.from({ length: clients }, (_, i) => i),
    clients,
    async () => {
      for (let free = await freeSlots(); free.length; ) {
        const slot = free[Math.floor(Math.random() * free.length)];
        const patient = patients[Math.floor(Math.random() * patients.length)];
        const t0 = performance.now();
        const res = await fhir('POST', 'Appointment/$book', { resourceType: 'Parameters', parameter: [{ name: 'slot', valueReference: { reference: `Slot/${slot}` } }, { name: 'patient', valueReference: { reference: `Patient/${patient}` } }, { name: 'consent', valueBoolean: true }] });
        const booking: Booking = { status: res.status, ms: performance.now() - t0 };
        bookings.push(booking);
        if (res.status === 201) {
          booking.appointment = { id: res.body.id, versionId: res.body.meta.versionId, lastUpdated: res.body.meta.lastUpdated };
          free = free.filter((s) => s !== slot);
        } else if (res.status === 409) free = await freeSlots();
        else throw new Error(`$book answered HTTP ${res.status}: ${JSON.stringify(res.body).slice(0, 300)}`);
      }
    },
  );
  return { bookings, ms: performance.now() - started };
}

/** A dispatcher in this process when the server does not run one (src/main.ts not yet wiring it). */
async function dispatcherIfNeeded(fhir: Fhir, subscriptionId: string, dbUrl: string, baseUrl: string): Promise<{ dispatcher?: SubscriptionDispatcher; db?: Database }> {
  for (let waited = 0; waited < 3000; waited += 100) {
    if ((await fhir('GET', `Subscription/${subscriptionId}`)).body.status === 'active') return {};
    await new Promise((r) => setTimeout(r, 100));
  }
  const db = await openDatabase({ databaseUrl: dbUrl, dataDir: '', poolSize: 4 });
  const engine = createFhirEngine(db, { stationId: 'default', timeZone: 'Asia/Ho_Chi_Minh', baseUrl, version: 'bench' });
  const resolveOwner = clientOwnerResolver(new AuthStore(db, 'default'), new Set(engine.defs.patientCompartment.keys()));
  return { dispatcher: startSubscriptionDispatcher({ db, engine, resolveOwner }), db };
}

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  const adminUrl = process.env.DATABASE_URL || DEFAULT_DATABASE_URL;
  console.log(`commune-ehr booking bench — ${new Date().toISOString()}`);
  console.log(`node ${process.version}, ${os.cpus().length} CPUs, load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')} (a busy machine gives noisy figures)`);
  await assertReachable(adminUrl);
  const database = await createThrowawayDatabase(adminUrl, 'ehr_bench_booking');
  console.log(`database: ${redactUrl(database.url)} (dropped at the end)`);
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ehr-bench-data-'));
  const client = newBenchClient();
  const platform = new Platform();
  let server: ServerProcess | undefined;
  let local: { dispatcher?: SubscriptionDispatcher; db?: Database } = {};
  try {
    server = await startServer({ entry: path.join(repoRoot(), 'dist/src/main.js'), cwd: repoRoot(), env: { DATABASE_URL: database.url, LOG_LEVEL: 'warn', DATA_DIR: dataDir, ...bootstrapEnv(client) } });
    const fhir = fhirClient(server.baseUrl, await authHeaders(new URL(server.baseUrl).origin, client));
    console.log(heading('set-up'));
    const slots = await setUpDay(fhir, args.practitioners);
    const patients = await createPatients(fhir, args.patients);
    await platform.start();
    const subscription = await created(fhir, { resourceType: 'Subscription', status: 'requested', reason: 'bench', criteria: 'Appointment', channel: { type: 'rest-hook', endpoint: platform.url, payload: 'application/fhir+json' } });
    local = await dispatcherIfNeeded(fhir, subscription, database.url, server.baseUrl);
    console.log(`${args.practitioners} practitioners × ${slots.length / args.practitioners} slots of ${SLOT_MINUTES} min (${tomorrow()}), ${args.patients} patients, ${args.clients} concurrent clients`);
    console.log(`notifications: ${local.dispatcher ? 'dispatcher started by the bench (the server does not run one yet)' : "the server's own dispatcher"}`);

    console.log(heading('booking'));
    const { bookings, ms } = await bookAll(fhir, tomorrow(), patients, args.clients);
    const won = bookings.filter((b) => b.status === 201);
    const conflicts = bookings.length - won.length;
    const doubles = await doubleBookings(fhir, slots);
    const heard = await waitForNotifications(platform, won);
    const latencies = won
      .map((b) => (heard.get(`${b.appointment!.id}/${b.appointment!.versionId}`) ?? NaN) - Date.parse(b.appointment!.lastUpdated))
      .filter(Number.isFinite)
      .sort((a, b) => a - b);
    const bookingMs = bookings.map((b) => b.ms).sort((a, b) => a - b);
    console.log(
      table(
        ['figure', 'value'],
        [
          ['slots booked / slots', `${formatInt(won.length)} / ${formatInt(slots.length)}`],
          ['$book requests (409: slot already taken)', `${formatInt(bookings.length)} (${formatInt(conflicts)})`],
          ['time to book the whole day', formatSeconds(ms)],
          ['bookings per second under contention', formatNumber(won.length / (ms / 1000))],
          ['$book requests per second (incl. 409)', formatNumber(bookings.length / (ms / 1000))],
          ['$book latency p50 / p95', `${formatMs(percentile(bookingMs, 50))} / ${formatMs(percentile(bookingMs, 95))}`],
          ['slots booked twice', formatInt(doubles)],
          ['notifications heard / bookings', `${formatInt(latencies.length)} / ${formatInt(won.length)}`],
          ['write → platform latency p50 / p95 / max', `${formatMs(percentile(latencies, 50))} / ${formatMs(percentile(latencies, 95))} / ${formatMs(latencies[latencies.length - 1])}`],
        ],
      ),
    );
    return won.length === slots.length && doubles === 0 && latencies.length === won.length ? 0 : 1;
  } finally {
    await local.dispatcher?.stop();
    await local.db?.close();
    await platform.stop();
    if (server) await server.stop();
    await database.drop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

/** Slots with more than one live appointment (must be 0). */
async function doubleBookings(fhir: Fhir, slots: string[]): Promise<number> {
  const counts = await mapWithConcurrency(slots, 8, async (slot) => (await fhir('GET', `Appointment?slot=Slot/${slot}&status:not=cancelled&_total=accurate&_count=0`)).body.total as number);
  return counts.filter((n) => n > 1).length;
}

/** Waits (up to a minute) until the platform heard every booking; returns when it heard each. */
async function waitForNotifications(platform: Platform, won: Booking[]): Promise<Map<string, number>> {
  const deadline = Date.now() + 60_000;
  const keys = won.map((b) => `${b.appointment!.id}/${b.appointment!.versionId}`);
  while (Date.now() < deadline && !keys.every((k) => platform.heard.has(k))) await new Promise((r) => setTimeout(r, 50));
  return platform.heard;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(err instanceof Error ? err.stack : err);
    process.exit(1);
  },
);
