import { createHook } from 'node:async_hooks';
import type { Appointment } from '@medplum/fhirtypes';
import type { Database } from '../../src/db/database';
import { openDatabase } from '../../src/db/datasource';
import { createFhirEngine, type FhirEngine } from '../../src/fhir/engine';
import { Repository } from '../../src/fhir/store/repository';
import { TM_EXT } from '../../src/telemedicine/canonical';
import { startSubscriptionDispatcher, type DispatcherOptions, type SubscriptionDispatcher } from '../../src/subscriptions/dispatcher';
import { clientOwnerResolver } from '../../src/subscriptions/owner';
import { fhirFetch, startTestServer, type TestServer } from '../helpers/server';
import { FakePlatform, type Heard } from './fake-platform';
import { freeSlots, operation, residents, setUpClinic, stationDate, type Clinic, type Resident } from './helpers';

/**
 * Notifications to the telemedicine platform (issue 7): R4 rest-hook Subscriptions created by a
 * system client, delivered from a queue in the database to a fake platform on loopback — every
 * booking and change exactly once, in order per resource, while the platform is down for a while
 * and across a restart of the dispatcher.
 */

const FAST: Partial<DispatcherOptions> = { pollMs: 40, timeoutMs: 2000, backoffMs: (n) => Math.min(100 * 2 ** (n - 1), 800) };

async function until<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('notifications to the telemedicine platform', () => {
  let server: TestServer;
  let clinic: Clinic;
  let people: Resident[];
  let system: string;
  const platform = new FakePlatform();
  let dispatcher: SubscriptionDispatcher;
  let everything: string;
  let bookedOnly: string;
  let remoteVisits: string;

  const startDispatcher = (engine = server.engine, db: Database = server.db): SubscriptionDispatcher =>
    startSubscriptionDispatcher({ db, engine, resolveOwner: clientOwnerResolver(server.auth.store, new Set(engine.defs.patientCompartment.keys())) }, FAST);
  /** On PostgreSQL a restarted service has its own connections; the embedded database is the process's own. */
  let restartedDb: Database | undefined;
  /** The restarted service's engine, whose queued audit records (deliveries) are stored before its connections close. */
  let restartedEngine: FhirEngine | undefined;

  const subscribe = async (criteria: string, token = system): Promise<{ status: number; body: any }> =>
    fhirFetch(`${server.baseUrl}/Subscription`, {
      method: 'POST',
      token,
      body: { resourceType: 'Subscription', status: 'requested', reason: 'VTelehealth', criteria, channel: { type: 'rest-hook', endpoint: platform.url, payload: 'application/fhir+json', header: ['Authorization: Bearer nen-tang-bi-mat'] } },
    });

  const subscription = async (id: string): Promise<any> => (await fhirFetch(`${server.baseUrl}/Subscription/${id}`, { token: system })).body;

  /**
   * Every version of every resource of `type` the server holds, by id (none is deleted in these
   * tests). Type history stops at the start of the oldest transaction still running — the
   * dispatcher's, a batch of audit records — so it is read again until that horizon (the Bundle's
   * meta.lastUpdated) has passed the moment of asking: every write made before is then in it.
   */
  const versions = async (type: string): Promise<Map<string, number[]>> => {
    const asked = Date.now();
    const history = await until('a type history past the moment of asking', async () => {
      const res = await fhirFetch(`${server.baseUrl}/${type}/_history?_count=1000`, { token: system });
      return Date.parse(res.body.meta.lastUpdated) >= asked ? res : undefined;
    });
    const byId = new Map<string, number[]>();
    for (const { resource } of history.body.entry ?? []) byId.set(resource.id, [...(byId.get(resource.id) ?? []), Number(resource.meta.versionId)]);
    return byId;
  };

  /** Each version heard exactly once, versions of one resource in order, event numbers 1…n without gaps. */
  function expectExactlyOnceInOrder(heard: Heard[]): void {
    expect(heard.map((h) => h.eventNumber)).toEqual(heard.map((_, i) => i + 1));
    const keys = heard.map((h) => `${h.id}/${h.versionId}`);
    expect(new Set(keys).size).toBe(keys.length);
    const last = new Map<string, number>();
    for (const h of heard) {
      expect(h.versionId).toBeGreaterThan(last.get(h.id) ?? 0);
      last.set(h.id, h.versionId);
    }
  }

  const heardAll = (id: string, expected: Map<string, number[]>) => () => {
    const heard = new Set(platform.of(id).map((h) => `${h.id}/${h.versionId}`));
    return [...expected].every(([rid, vs]) => vs.every((v) => heard.has(`${rid}/${v}`))) ? true : undefined;
  };

  const book = async (resident: Resident, index = 0): Promise<string> => {
    const slot = (await freeSlots(server, clinic))[index];
    const res = await operation(server, 'Appointment/$book', { slot: `Slot/${slot.id}`, consent: true, reason: 'Ho kéo dài' }, resident.token);
    expect(res.status).toBe(201);
    return res.body.id;
  };

  beforeAll(async () => {
    server = await startTestServer();
    clinic = await setUpClinic(server);
    people = await residents(server, 2);
    await operation(server, `Schedule/${clinic.scheduleId}/$generate-slots`, { start: stationDate(0), end: stationDate(1) }, clinic.registrarToken);
    system = await server.systemToken();
    await platform.start();
    everything = (await subscribe('Appointment')).body.id;
    bookedOnly = (await subscribe('Appointment?status=booked')).body.id;
    remoteVisits = (await subscribe('Encounter?class=VR')).body.id;
    dispatcher = startDispatcher();
    await until('subscriptions active', async () => (await subscription(everything)).status === 'active');
  }, 120_000);

  afterAll(async () => {
    await dispatcher?.stop();
    await restartedEngine?.repo.flushAudit();
    await restartedDb?.close();
    await platform.stop();
    await server?.close();
  });

  test('every booking and change arrives once, in order, with the configured header and the resource as it was', async () => {
    const a = await book(people[0]);
    await operation(server, `Appointment/${a}/$accept`, {}, clinic.doctorToken);
    const b = await book(people[1]);
    await operation(server, `Appointment/${b}/$cancel`, { reason: 'Đổi ý' }, people[1].token);
    const expected = await versions('Appointment');
    expect(expected.get(a)).toHaveLength(2);
    await until('all appointment versions heard', heardAll(everything, expected));
    const heard = platform.of(everything);
    expectExactlyOnceInOrder(heard);
    expect(heard.filter((h) => h.id === a).map((h) => h.status)).toEqual(['proposed', 'booked']);
    expect(heard.filter((h) => h.id === b).map((h) => h.status)).toEqual(['proposed', 'cancelled']);
    expect(platform.headers.every((h) => h.authorization === 'Bearer nen-tang-bi-mat' && h['content-type'] === 'application/fhir+json')).toBe(true);
    // Appointment?status=booked hears the booking, and the cancellation of a booked one — not proposals.
    await until('booked-only subscriber heard the acceptance', () => platform.of(bookedOnly).some((h) => h.id === a));
    expect(platform.of(bookedOnly).filter((h) => h.id === b)).toEqual([]);
  });

  test('while the platform is down: the subscription shows the errors; when it is back, everything arrives once and in order', async () => {
    await platform.stop();
    const during: string[] = [];
    for (const resident of people) during.push(await book(resident));
    await operation(server, `Appointment/${during[0]}/$accept`, {}, clinic.doctorToken);
    const failing = await until('the subscription in error', async () => {
      const s = await subscription(everything);
      const count = s.extension?.find((e: any) => e.url === TM_EXT.subscriptionErrorCount)?.valueUnsignedInt ?? 0;
      return s.status === 'error' && count >= 2 ? s : undefined;
    });
    expect(failing.error).toMatch(/^Không gửi được \/ delivery failed: ECONNREFUSED/);
    await operation(server, `Appointment/${during[0]}/$reschedule`, { slot: `Slot/${(await freeSlots(server, clinic))[2].id}` }, people[0].token);
    await new Promise((r) => setTimeout(r, 1500));
    await platform.start();
    const expected = await versions('Appointment');
    await until('everything heard after the outage', heardAll(everything, expected));
    expectExactlyOnceInOrder(platform.of(everything));
    const recovered = await until('the subscription active again', async () => {
      const s = await subscription(everything);
      return s.status === 'active' ? s : undefined;
    });
    expect(recovered.error).toBeUndefined();
    expect(recovered.extension?.some((e: any) => e.url === TM_EXT.subscriptionErrorCount)).toBeFalsy();
  });

  test('across a restart of the dispatcher (with the platform down meanwhile) nothing is lost or sent twice', async () => {
    await dispatcher.stop();
    await platform.stop();
    const a = await book(people[0]);
    await operation(server, `Appointment/${a}/$accept`, {}, clinic.doctorToken);
    // A new connection, engine and dispatcher over the same database: only what is in it carries over.
    const url = (server.db as Database & { url?: string }).url;
    restartedDb = url ? await openDatabase({ databaseUrl: url, dataDir: '', poolSize: 4 }) : undefined;
    const db = restartedDb ?? server.db;
    const engine = (restartedEngine = createFhirEngine(db, { stationId: server.config.stationId, timeZone: server.config.timeZone, baseUrl: server.config.baseUrl, version: 'restarted' }));
    dispatcher = startDispatcher(engine, db);
    await operation(server, `Appointment/${a}/$cancel`, {}, people[0].token);
    await new Promise((r) => setTimeout(r, 500));
    await platform.start();
    const expected = await versions('Appointment');
    await until('everything heard after the restart', heardAll(everything, expected));
    await new Promise((r) => setTimeout(r, 500));
    expectExactlyOnceInOrder(platform.of(everything));
    expect(platform.of(everything).filter((h) => h.id === a).map((h) => h.status)).toEqual(['proposed', 'booked', 'cancelled']);
  });

  test('Encounter?class=VR hears remote visits only; deliveries are in the audit trail as the platform receiving them', async () => {
    const a = await book(people[1]);
    await operation(server, `Appointment/${a}/$accept`, {}, clinic.doctorToken);
    const visit = (await operation(server, `Appointment/${a}/$start`, {}, clinic.doctorToken)).body;
    await operation(server, `Encounter/${visit.id}/$finish`, { diagnosis: [{ code: 'J00' }], treatment: 'Nghỉ ngơi' }, clinic.doctorToken);
    const inPerson = await fhirFetch(`${server.baseUrl}/Encounter`, { method: 'POST', body: { resourceType: 'Encounter', status: 'finished', class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'AMB' }, subject: { reference: `Patient/${people[1].patientId}` } } });
    await until('the finished remote visit heard', () => platform.of(remoteVisits).some((h) => h.id === visit.id && h.status === 'finished'));
    expect(platform.of(remoteVisits).map((h) => [h.id, h.versionId, h.status])).toEqual([
      [visit.id, 1, 'in-progress'],
      [visit.id, 2, 'finished'],
    ]);
    expect(platform.of(remoteVisits).some((h) => h.id === inPerson.body.id)).toBe(false);
    const auditor = await server.staffToken(['auditor']);
    const trail = await fhirFetch(`${server.baseUrl}/AuditEvent?entity=Subscription/${remoteVisits}&outcome=0`, { token: auditor });
    const deliveries = trail.body.entry.map((e: any) => e.resource).filter((e: any) => e.outcomeDesc?.startsWith('subscription-notification'));
    expect(deliveries.length).toBeGreaterThanOrEqual(1);
    for (const event of deliveries) {
      expect(event.agent[0].who.reference).toBe('Device/bootstrap-test');
      expect(event.entity.some((e: any) => e.what?.reference === `Patient/${people[1].patientId}`)).toBe(true);
      expect(event.entity.some((e: any) => e.what?.reference?.startsWith(`Encounter/${visit.id}/_history/`))).toBe(true);
    }
  });

  test('only system clients subscribe, with criteria the matcher knows, until their end', async () => {
    const made = await subscribe('Appointment', server.token);
    expect(made.status).toBe(201);
    const refused = await until('the staff subscription in error', async () => {
      const s = await subscription(made.body.id);
      return s.status === 'error' ? s : undefined;
    });
    expect(refused.error).toBe('Chỉ ứng dụng hệ thống (system client) mới được đăng ký nhận thông báo / Only a system client may subscribe to notifications');
    const unsupported = await subscribe('Appointment?patient.name=Nguyen');
    await until('unsupported criteria refused', async () => ((await subscription(unsupported.body.id)).status === 'error' ? true : undefined));
    expect((await subscription(unsupported.body.id)).error).toMatch(/^Tiêu chí có tham số không hỗ trợ cho thông báo: patient.name/);
    const ended = await fhirFetch(`${server.baseUrl}/Subscription`, {
      method: 'POST',
      token: system,
      body: { resourceType: 'Subscription', status: 'requested', end: '2020-01-01T00:00:00Z', reason: 'hết hạn', criteria: 'Appointment', channel: { type: 'rest-hook', endpoint: platform.url, payload: 'application/fhir+json' } },
    });
    await until('an ended subscription turned off', async () => ((await subscription(ended.body.id)).status === 'off' ? true : undefined));
    expect(platform.of(made.body.id)).toEqual([]);
    // Notifications are JSON: a subscription asking for XML is told so, not sent JSON labelled XML.
    const xml = await fhirFetch(`${server.baseUrl}/Subscription`, {
      method: 'POST',
      token: system,
      body: { resourceType: 'Subscription', status: 'requested', reason: 'XML', criteria: 'Appointment', channel: { type: 'rest-hook', endpoint: platform.url, payload: 'application/fhir+xml' } },
    });
    await until('the XML subscription in error', async () => ((await subscription(xml.body.id)).status === 'error' ? true : undefined));
    expect((await subscription(xml.body.id)).error).toBe('Thông báo chỉ gửi dạng application/fhir+json, không gửi được "application/fhir+xml" / Notifications are sent as application/fhir+json only, not application/fhir+xml');
    await book(people[0]);
    await until('the booking heard by the subscription to everything', heardAll(everything, await versions('Appointment')));
    expect(platform.of(xml.body.id)).toEqual([]);
  });

  test('where and what a subscription delivers cannot be changed by an update (422); turning it off can', async () => {
    const made = (await subscribe('Encounter?class=VR')).body;
    const elsewhere = { ...made, channel: { ...made.channel, endpoint: 'http://elsewhere.example/hook' } };
    const wider = { ...made, criteria: 'Encounter' };
    for (const [body, token] of [[elsewhere, server.token], [elsewhere, system], [wider, system]] as const) {
      const res = await fhirFetch(`${server.baseUrl}/Subscription/${made.id}`, { method: 'PUT', body, token });
      expect(res.status).toBe(422);
      expect(res.body.issue[0].details.text).toContain('create a new Subscription instead');
    }
    const now = await subscription(made.id);
    expect([now.channel.endpoint, now.criteria]).toEqual([platform.url, 'Encounter?class=VR']);
    expect((await fhirFetch(`${server.baseUrl}/Subscription/${made.id}`, { method: 'PUT', body: { ...now, status: 'off' }, token: system })).status).toBe(200);
  });

  test('an idle dispatcher writes nothing; its stored cursor moves only now and then', async () => {
    // The row version (xmin) of the feed's cursor changes with every write of it.
    const cursorVersion = async (): Promise<string> => (await server.db.query<{ v: string }>(`SELECT xmin::text AS v FROM subscription_feed`))[0].v;
    const pause = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
    // The file's dispatcher, a round every 40 ms and nothing new to read. It moves its stored cursor
    // once its lag passes 10 s, so of two 600 ms spans at most one may see a write.
    const seen = [await cursorVersion()];
    for (const _ of [1, 2]) {
      await pause(600);
      seen.push(await cursorVersion());
    }
    expect(seen[0] === seen[1] || seen[1] === seen[2]).toBe(true);
    // One that lets the stored cursor lag 100 ms at most moves it.
    const eager = startSubscriptionDispatcher(
      { db: server.db, engine: server.engine, resolveOwner: clientOwnerResolver(server.auth.store, new Set(server.engine.defs.patientCompartment.keys())) },
      { ...FAST, cursorLagMs: 100 },
    );
    try {
      await until('the stored cursor moved', async () => ((await cursorVersion()) !== seen[2] ? true : undefined), 10_000);
    } finally {
      await eager.stop();
    }
  });

  test('a dispatcher stopped in its pause leaves no timer behind to hold the process open', async () => {
    // Its own timers are told apart by their length: the other dispatcher pauses 40 ms.
    const pauseMs = 600_000;
    const pending = new Set<number>();
    const hook = createHook({
      init: (id, type, _trigger, resource) => {
        if (type === 'Timeout' && (resource as { _idleTimeout?: number })._idleTimeout === pauseMs) pending.add(id);
      },
      destroy: (id) => void pending.delete(id),
    }).enable();
    const idle = startSubscriptionDispatcher({ db: server.db, engine: server.engine, resolveOwner: clientOwnerResolver(server.auth.store, new Set()) }, { ...FAST, pollMs: pauseMs });
    try {
      await until('the dispatcher pausing', () => (pending.size > 0 ? true : undefined));
      await idle.stop();
      await new Promise((r) => setImmediate(r)); // destroy hooks run after the current tick
      expect(pending.size).toBe(0);
    } finally {
      await idle.stop(); // again, harmless, if the test failed before
      hook.disable();
    }
  });

  // Embedded PGlite runs one transaction at a time, so the interleaving below cannot happen there.
  (process.env.DATABASE_URL ? test : test.skip)('a version written by an early transaction after a later one still arrives after it (PostgreSQL only)', async () => {
    const id = await book(people[0]);
    const repo = server.engine.repo;
    let release!: () => void;
    const hold = new Promise<void>((r) => (release = r));
    const started = (tx: { query: (sql: string) => Promise<unknown> }): Promise<unknown> => tx.query('SELECT 1');
    // X writes first (its write time, the stamp of all it writes, is fixed then: store/write.ts) and
    // will write version 3 — stamped with that early time — after Y wrote version 2.
    let xStarted!: () => void;
    const xReady = new Promise<void>((r) => (xStarted = r));
    let yDone!: () => void;
    const yWritten = new Promise<void>((r) => (yDone = r));
    const x = server.db.transaction(async (tx) => {
      const txRepo = new Repository(tx, repo.ctx);
      await txRepo.create({ resourceType: 'Patient', name: [{ family: 'Ghi trước' }] });
      xStarted();
      await yWritten;
      const current = (await txRepo.read('Appointment', id)) as Appointment;
      await txRepo.update('Appointment', id, { ...current, comment: 'X' });
    });
    await xReady;
    // Z starts between them and stays open: the history horizon stops at its start.
    let zStarted!: () => void;
    const zReady = new Promise<void>((r) => (zStarted = r));
    const z = server.db.transaction(async (tx) => {
      await started(tx);
      zStarted();
      await hold;
    });
    await zReady;
    const current = (await repo.read('Appointment', id)) as Appointment;
    await repo.update('Appointment', id, { ...current, comment: 'Y' });
    yDone();
    await x;
    try {
      await until('both versions heard while the horizon is held back', () => (platform.of(everything).filter((h) => h.id === id).length === 3 ? true : undefined), 10_000);
    } finally {
      release();
      await z;
    }
    expect(platform.of(everything).filter((h) => h.id === id).map((h) => h.versionId)).toEqual([1, 2, 3]);
    expectExactlyOnceInOrder(platform.of(everything));
  });
});
