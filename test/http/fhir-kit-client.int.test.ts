import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { startTestServer, type TestServer } from '../helpers/server';

/**
 * End to end through a real, independent FHIR client: the `fhir-kit-client` npm package, talking
 * HTTP to the running server. The package is ESM-only and Jest (CommonJS, Node 20) cannot load it,
 * so it runs in a worker thread with Node's own module loader; each call crosses as a message and
 * comes back with the client's result (or its error), the HTTP status and headers.
 */

interface KitResult {
  body: any;
  status: number;
  headers: Record<string, string>;
}

/** The error fhir-kit-client throws for a non-2xx answer, carried back across the thread. */
class KitError extends Error {
  constructor(
    message: string,
    readonly status: number | undefined,
    readonly data: any,
  ) {
    super(message);
  }
}

// Runs inside the worker: imports the client, then answers {id, method, params} messages.
const BRIDGE = `
const { parentPort, workerData } = require('node:worker_threads');
const ready = import(workerData.moduleUrl).then(({ Client }) => new Client({ baseUrl: workerData.baseUrl, bearerToken: workerData.token }));
parentPort.on('message', async ({ id, method, params }) => {
  try {
    const client = await ready;
    const result = await client[method](params);
    const response = result && result.__response;
    parentPort.postMessage({
      id,
      result: JSON.parse(JSON.stringify(result ?? null)),
      status: response ? response.status : undefined,
      headers: response ? Object.fromEntries(response.headers) : {},
    });
  } catch (err) {
    parentPort.postMessage({ id, error: { message: String(err && err.message), status: err && err.response && err.response.status, data: err && err.response && err.response.data } });
  }
});
`;

class FhirKit {
  private readonly worker: Worker;
  private readonly pending = new Map<number, { resolve: (r: KitResult) => void; reject: (e: KitError) => void }>();
  private nextId = 0;

  constructor(baseUrl: string, token: string | undefined) {
    const moduleUrl = pathToFileURL(path.resolve(__dirname, '../../node_modules/fhir-kit-client/dist/index.js')).href;
    this.worker = new Worker(BRIDGE, { eval: true, workerData: { baseUrl, moduleUrl, token } });
    this.worker.on('message', ({ id, result, status, headers, error }) => {
      const call = this.pending.get(id)!;
      this.pending.delete(id);
      if (error) call.reject(new KitError(error.message, error.status, error.data));
      else call.resolve({ body: result, status, headers });
    });
  }

  call(method: string, params: Record<string, unknown> = {}): Promise<KitResult> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ id, method, params });
    });
  }

  /** The HTTP status a call failed with (fails the test if it succeeded). */
  async failure(method: string, params: Record<string, unknown>): Promise<KitError> {
    try {
      const ok = await this.call(method, params);
      throw new Error(`${method} was expected to fail but answered HTTP ${ok.status}`);
    } catch (err) {
      if (err instanceof KitError) return err;
      throw err;
    }
  }

  close(): Promise<number> {
    return this.worker.terminate();
  }
}

const patient = {
  resourceType: 'Patient',
  identifier: [{ system: 'urn:test:fhir-kit', value: 'kit-1' }],
  name: [{ family: 'Trần', given: ['Thị', 'Đào'] }],
  gender: 'female',
  birthDate: '1990-04-02',
};

describe('fhir-kit-client end to end', () => {
  let server: TestServer;
  let kit: FhirKit;
  let id: string;

  beforeAll(async () => {
    server = await startTestServer();
    // Signed in as a clinician (the server's default test token), as a station app would be.
    kit = new FhirKit(server.baseUrl, server.token);
  });
  afterAll(async () => {
    await kit?.close();
    await server?.close();
  });

  test('create answers 201 with the stored resource and a Location', async () => {
    const created = await kit.call('create', { resourceType: 'Patient', body: patient });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ ...patient, meta: { versionId: '1' } });
    id = created.body.id;
    expect(created.headers.location).toBe(`${server.baseUrl}/Patient/${id}/_history/1`);
  });

  test('read returns it; an unknown id is a 404 OperationOutcome', async () => {
    const read = await kit.call('read', { resourceType: 'Patient', id });
    expect(read.body).toMatchObject({ ...patient, id, meta: { versionId: '1' } });
    expect(read.headers.etag).toBe('W/"1"');
    const missing = await kit.failure('read', { resourceType: 'Patient', id: 'no-such-patient' });
    expect(missing.status).toBe(404);
    expect(missing.data.resourceType).toBe('OperationOutcome');
  });

  test('update makes version 2, and vread still serves version 1', async () => {
    const updated = await kit.call('update', { resourceType: 'Patient', id, body: { ...patient, id, active: true } });
    expect(updated.status).toBe(200);
    expect(updated.body.meta.versionId).toBe('2');
    const v1 = await kit.call('vread', { resourceType: 'Patient', id, version: '1' });
    expect(v1.body.active).toBeUndefined();
    expect(v1.body.meta.versionId).toBe('1');
    const v2 = await kit.call('vread', { resourceType: 'Patient', id, version: '2' });
    expect(v2.body.active).toBe(true);
  });

  test('patch applies a JSON Patch; a failing test op is refused and changes nothing', async () => {
    const patched = await kit.call('patch', {
      resourceType: 'Patient',
      id,
      jsonPatch: [
        { op: 'replace', path: '/active', value: false },
        { op: 'add', path: '/telecom', value: [{ system: 'phone', value: '0912345678' }] },
      ],
    });
    expect(patched.body).toMatchObject({ active: false, telecom: [{ system: 'phone', value: '0912345678' }], meta: { versionId: '3' } });
    const refused = await kit.failure('patch', { resourceType: 'Patient', id, jsonPatch: [{ op: 'test', path: '/active', value: true }, { op: 'remove', path: '/telecom' }] });
    expect(refused.status).toBe(422);
    expect((await kit.call('read', { resourceType: 'Patient', id })).body.meta.versionId).toBe('3');
  });

  test('search finds the patient, ignoring case and diacritics (đ, ầ)', async () => {
    for (const searchParams of [{ family: 'Trần' }, { family: 'tran' }, { given: 'dao' }, { identifier: 'urn:test:fhir-kit|kit-1' }]) {
      const bundle = await kit.call('search', { resourceType: 'Patient', searchParams });
      expect({ searchParams, type: bundle.body.type, ids: bundle.body.entry?.map((e: any) => e.resource.id) }).toEqual({ searchParams, type: 'searchset', ids: [id] });
    }
    const none = await kit.call('search', { resourceType: 'Patient', searchParams: { family: 'Nguyễn' } });
    expect(none.body.entry ?? []).toEqual([]);
  });

  test('search pages through nextPage until every match is seen', async () => {
    for (let i = 0; i < 5; i++) {
      await kit.call('create', {
        resourceType: 'Observation',
        body: { resourceType: 'Observation', status: 'final', code: { text: 'cân nặng' }, subject: { reference: `Patient/${id}` }, valueQuantity: { value: 50 + i, unit: 'kg' } },
      });
    }
    let page = await kit.call('search', { resourceType: 'Observation', searchParams: { subject: `Patient/${id}`, _count: 2 } });
    const seen: number[] = [];
    for (;;) {
      seen.push(...page.body.entry.map((e: any) => e.resource.valueQuantity.value));
      if (!page.body.link.some((l: any) => l.relation === 'next')) break;
      page = await kit.call('nextPage', { bundle: page.body });
    }
    expect(seen.sort()).toEqual([50, 51, 52, 53, 54]);
  });

  test('history lists the three versions, newest first', async () => {
    const history = await kit.call('resourceHistory', { resourceType: 'Patient', id });
    expect(history.body.type).toBe('history');
    expect(history.body.entry.map((e: any) => e.resource.meta.versionId)).toEqual(['3', '2', '1']);
  });

  test('delete, then read answers 410 Gone; old versions stay readable', async () => {
    const deleted = await kit.call('delete', { resourceType: 'Patient', id });
    expect(deleted.status).toBe(200);
    const gone = await kit.failure('read', { resourceType: 'Patient', id });
    expect(gone.status).toBe(410);
    expect(gone.data.resourceType).toBe('OperationOutcome');
    const v3 = await kit.call('vread', { resourceType: 'Patient', id, version: '3' });
    expect(v3.body.active).toBe(false);
  });

  test('transaction stores entries together and rewrites urn:uuid references', async () => {
    const response = await kit.call('transaction', {
      body: {
        resourceType: 'Bundle',
        type: 'transaction',
        entry: [
          { fullUrl: 'urn:uuid:7f6b1a2e-0c1d-4c3b-9a55-2f7a3c9d0e11', resource: { resourceType: 'Patient', name: [{ family: 'Lê', given: ['Văn', 'An'] }] }, request: { method: 'POST', url: 'Patient' } },
          {
            resource: { resourceType: 'Encounter', status: 'finished', class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'AMB' }, subject: { reference: 'urn:uuid:7f6b1a2e-0c1d-4c3b-9a55-2f7a3c9d0e11' } },
            request: { method: 'POST', url: 'Encounter' },
          },
        ],
      },
    });
    expect(response.body.type).toBe('transaction-response');
    expect(response.body.entry.map((e: any) => e.response.status)).toEqual(['201 Created', '201 Created']);
    const [patientLocation, encounterLocation] = response.body.entry.map((e: any) => e.response.location.split('/_history')[0].split('/fhir/')[1]);
    const encounter = await kit.call('read', { resourceType: 'Encounter', id: encounterLocation.split('/')[1] });
    expect(encounter.body.subject.reference).toBe(patientLocation);
    expect((await kit.call('read', { resourceType: 'Patient', id: patientLocation.split('/')[1] })).body.name[0].family).toBe('Lê');
  });

  test('a failing transaction stores nothing', async () => {
    const failed = await kit.failure('transaction', {
      body: {
        resourceType: 'Bundle',
        type: 'transaction',
        entry: [
          { resource: { resourceType: 'Patient', name: [{ family: 'Phạm' }] }, request: { method: 'POST', url: 'Patient' } },
          { resource: { resourceType: 'Patient', gender: 'not-a-gender' }, request: { method: 'POST', url: 'Patient' } },
        ],
      },
    });
    expect(failed.status).toBe(400);
    const search = await kit.call('search', { resourceType: 'Patient', searchParams: { family: 'Phạm' } });
    expect(search.body.entry ?? []).toEqual([]);
  });

  test('conditional create (If-None-Exist) creates once, then returns the match', async () => {
    const body = { resourceType: 'Patient', identifier: [{ system: 'urn:test:fhir-kit', value: 'kit-cond' }], name: [{ family: 'Võ' }] };
    const options = { headers: { 'If-None-Exist': 'identifier=urn:test:fhir-kit|kit-cond' } };
    const first = await kit.call('create', { resourceType: 'Patient', body, options });
    expect(first.status).toBe(201);
    const second = await kit.call('create', { resourceType: 'Patient', body, options });
    expect(second.status).toBe(200);
    expect(second.body.id).toBe(first.body.id);
    const search = await kit.call('search', { resourceType: 'Patient', searchParams: { identifier: 'urn:test:fhir-kit|kit-cond' } });
    expect(search.body.entry).toHaveLength(1);
  });

  test('conditional update (PUT ?identifier=) updates the one match', async () => {
    const updated = await kit.call('update', {
      resourceType: 'Patient',
      searchParams: { identifier: 'urn:test:fhir-kit|kit-cond' },
      body: { resourceType: 'Patient', identifier: [{ system: 'urn:test:fhir-kit', value: 'kit-cond' }], name: [{ family: 'Võ', given: ['Minh'] }] },
    });
    expect(updated.status).toBe(200);
    expect(updated.body.meta.versionId).toBe('2');
    expect(updated.body.name[0].given).toEqual(['Minh']);
  });
});
