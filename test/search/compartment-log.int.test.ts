import type { AuditEvent, Bundle } from '@medplum/fhirtypes';
import { ACCESS_LOG_TYPE } from '../../src/fhir/index/access-log';
import { ACCESS_LOG_PATIENT_ROWS } from '../../src/fhir/index/compartment';
import { storedRows } from '../../src/fhir/index/stored-params';
import { launch, registerPublicApp, residentWithAccount } from '../auth/smart-helpers';
import { fhirFetch, startTestServer, type TestServer } from '../helpers/server';

// The access log's Patient compartment is read from its reference rows, not idx_compartment
// (src/fhir/index/compartment.ts): every way of asking the compartment must still find each
// AuditEvent about a patient, once, and none about another.
describe('the access log in the Patient compartment', () => {
  let server: TestServer;
  let base: string;
  let auditor: string;
  let resident: string;
  let me: { patientId: string; username: string; password: string };
  let other: { patientId: string };
  let searchEvent: string;
  let ownReadEvent: string;

  const ids = (bundle: Bundle): string[] => (bundle.entry ?? []).map((e) => `${e.resource!.resourceType}/${e.resource!.id}`);
  /** Every AuditEvent of a patient's compartment, through all pages of `Patient/[id]/AuditEvent`. */
  const compartmentEvents = async (patientId: string, token: string): Promise<string[]> => {
    const found: string[] = [];
    let url: string | undefined = `${base}/Patient/${patientId}/AuditEvent?_count=50`;
    while (url) {
      const res = await fhirFetch(url, { token });
      expect(res.status).toBe(200);
      found.push(...ids(res.body as Bundle));
      url = (res.body as Bundle).link?.find((l) => l.relation === 'next')?.url;
    }
    return found;
  };
  /** AuditEvents recorded after `since` whose entities include `reference`, as the auditor sees them. */
  const eventsNaming = async (since: string, reference: string): Promise<AuditEvent[]> => {
    const res = await fhirFetch(`${base}/AuditEvent?date=ge${since}&entity=${reference}&_count=100`, { token: auditor });
    expect(res.status).toBe(200);
    return ((res.body as Bundle).entry ?? []).map((e) => e.resource as AuditEvent);
  };

  beforeAll(async () => {
    server = await startTestServer();
    base = server.baseUrl;
    auditor = await server.staffToken(['auditor']);
    me = await residentWithAccount(server, 'Nhật Ký');
    other = await residentWithAccount(server, 'Người Khác');
    const clientId = await registerPublicApp(server, 'launch/patient openid fhirUser patient/Patient.r patient/AuditEvent.rs');
    resident = (await launch(server, clientId, me, 'launch/patient patient/Patient.r patient/AuditEvent.rs')).access_token;

    // A clinician's search that returns both residents: one event naming two patients.
    let since = new Date().toISOString();
    const found = await fhirFetch(`${base}/Patient?_id=${me.patientId},${other.patientId}`);
    expect(found.body.entry).toHaveLength(2);
    [{ id: searchEvent }] = (await eventsNaming(since, `Patient/${other.patientId}`)).filter((e) => e.subtype?.[0]?.code === 'search-type') as { id: string }[];
    // The resident's app reads its own Patient: the event names the patient as agent and as entity.
    since = new Date().toISOString();
    expect((await fhirFetch(`${base}/Patient/${me.patientId}`, { token: resident })).status).toBe(200);
    const own = (await eventsNaming(since, `Patient/${me.patientId}`)).filter((e) => e.agent?.[0]?.who?.reference === `Patient/${me.patientId}`);
    expect(own).toHaveLength(1);
    ownReadEvent = own[0].id!;
  }, 120_000);
  afterAll(() => server.close());

  test("the rows read as the log's compartment are the ones AuditEvent `patient` is stored as", () => {
    const rows = storedRows(server.engine.defs, ACCESS_LOG_TYPE, 'patient');
    expect(rows.targetType).toBe('Patient');
    expect([...rows.params].sort()).toEqual([...ACCESS_LOG_PATIENT_ROWS].sort());
    expect(server.engine.defs.patientCompartment.get(ACCESS_LOG_TYPE)).toEqual(['patient']);
  });

  test('idx_compartment holds no AuditEvent, and every other compartment row stays', async () => {
    const [{ log, record }] = await server.db.query<{ log: number; record: number }>(
      `SELECT count(*) FILTER (WHERE resource_type = 'AuditEvent')::int AS log, count(*) FILTER (WHERE resource_type = 'Patient')::int AS record
         FROM idx_compartment WHERE compartment_id = $1`,
      [me.patientId],
    );
    expect(log).toBe(0);
    expect(record).toBe(1);
  });

  test('Patient/[id]/AuditEvent finds each event about the patient once, and none about another', async () => {
    const mine = await compartmentEvents(me.patientId, auditor);
    expect(new Set(mine).size).toBe(mine.length);
    expect(mine).toEqual(expect.arrayContaining([`AuditEvent/${searchEvent}`, `AuditEvent/${ownReadEvent}`]));
    const theirs = await compartmentEvents(other.patientId, auditor);
    expect(theirs).toContain(`AuditEvent/${searchEvent}`);
    expect(theirs).not.toContain(`AuditEvent/${ownReadEvent}`);
    // The same set as the `patient` search parameter, which reads the reference rows directly.
    const byParam = await fhirFetch(`${base}/AuditEvent?patient=${me.patientId}&_count=1000`, { token: auditor });
    expect(new Set(ids(byParam.body as Bundle))).toEqual(new Set(mine));
  });

  test("$everything with _type=AuditEvent brings the patient's events, each once; without it none", async () => {
    const system = await server.systemToken('system/*.rs system/AuditEvent.rs');
    const withLog = await fhirFetch(`${base}/Patient/${me.patientId}/$everything?_type=AuditEvent&_count=1000`, { token: system });
    expect(withLog.status).toBe(200);
    const matches = ids(withLog.body as Bundle);
    expect(new Set(matches).size).toBe(matches.length);
    expect(matches).toEqual(expect.arrayContaining([`AuditEvent/${searchEvent}`, `AuditEvent/${ownReadEvent}`]));
    const record = await fhirFetch(`${base}/Patient/${me.patientId}/$everything`, { token: system });
    expect(ids(record.body as Bundle).filter((m) => m.startsWith('AuditEvent/'))).toEqual([]);
  });

  test("a resident's app reads and searches its own access log, and no one else's", async () => {
    expect((await fhirFetch(`${base}/AuditEvent/${ownReadEvent}`, { token: resident })).status).toBe(200);
    expect((await fhirFetch(`${base}/AuditEvent/${searchEvent}`, { token: resident })).status).toBe(200);
    // An event about the other resident only: absent for this one (the compartment is in the query).
    const since = new Date().toISOString();
    await fhirFetch(`${base}/Patient/${other.patientId}`);
    const [theirs] = await eventsNaming(since, `Patient/${other.patientId}`);
    expect((await fhirFetch(`${base}/AuditEvent/${theirs.id}`, { token: resident })).status).toBe(404);
    const searched = await fhirFetch(`${base}/AuditEvent?_count=1000`, { token: resident });
    expect(searched.status).toBe(200);
    const mine = ids(searched.body as Bundle);
    expect(mine).toEqual(expect.arrayContaining([`AuditEvent/${searchEvent}`, `AuditEvent/${ownReadEvent}`]));
    expect(mine).not.toContain(`AuditEvent/${theirs.id}`);
    expect(new Set(mine).size).toBe(mine.length);
    // Its history, too, is bounded by the compartment.
    const history = await fhirFetch(`${base}/AuditEvent/_history?_count=1000`, { token: resident });
    expect(history.status).toBe(200);
    const versions = ids(history.body as Bundle);
    expect(versions).toEqual(expect.arrayContaining([`AuditEvent/${searchEvent}`, `AuditEvent/${ownReadEvent}`]));
    expect(versions).not.toContain(`AuditEvent/${theirs.id}`);
  });
});
