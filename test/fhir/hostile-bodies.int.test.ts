import fs from 'node:fs';
import path from 'node:path';
import { fhirFetch, startTestServer, type TestServer } from '../helpers/server';

/**
 * A deterministic fuzzer of resource bodies: each R4 spec example with random elements replaced
 * by values of the wrong JSON type (numbers, null, arrays, objects, U+0000, a lone surrogate…),
 * sent as POST, PUT, an entry of a transaction Bundle, and as JSON Patch operations on stored
 * resources. The server must refuse what it cannot take with a 4xx and an OperationOutcome, never
 * answer 500. The seed and the number of rounds are fixed so a failure is reproducible; to search
 * further, set HOSTILE_SEED and HOSTILE_ROUNDS (each round sends every example once).
 */
const SEED = Number(process.env.HOSTILE_SEED ?? 20261204);
const ROUNDS = Number(process.env.HOSTILE_ROUNDS ?? 1);
const EXAMPLES = path.resolve(__dirname, '../../../shared/fhir-data/fhir-r4-spec-examples/examples');

const HOSTILE: readonly unknown[] = [
  '', ' ', '\u0000', 'a\u0000b', 'x'.repeat(5000), -1, 0, 1.5, 1e308, -1e-308, true, false, null, [], {}, [null], [{}], [[]], { a: 1 }, [1, 2, 3],
  '2020-13-01', '2020-02-30T10:00:00Z', 'urn:uuid:xyz', 'Patient/', '#', '#x', 'http://', "'; drop table resource;--", 12345678901234567890,
  '\ud800', 'a\udc00', '\ud83d\ude00', 'Nguyễn', { reference: 'Patient/none' }, { reference: '' }, { reference: 5 }, { coding: 5 }, { coding: [null] },
  { extension: 5 }, { id: 5 }, [{ url: 5 }], { resourceType: 'Patient' }, { resourceType: 5 }, { resourceType: 'toString' },
];

/** mulberry32: a small PRNG whose sequence depends on the seed alone. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

let server: TestServer;
beforeAll(async () => {
  // With the station's rules, assignments and derivations, which read resources too.
  server = await startTestServer({}, { stationRules: true });
}, 300_000);
afterAll(() => server?.close());

test(`hostile bodies are refused with 4xx and an OperationOutcome (seed ${SEED}, ${ROUNDS} rounds)`, async () => {
  const rnd = prng(SEED);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)];
  const mutate = (node: unknown): unknown => {
    if (Array.isArray(node)) return rnd() < 0.1 ? pick(HOSTILE) : node.map(mutate);
    if (node && typeof node === 'object') {
      const out: Record<string, unknown> = {};
      for (const [key, value] of Object.entries(node)) {
        if (key === 'resourceType') {
          out[key] = rnd() < 0.02 ? pick(HOSTILE) : value;
          continue;
        }
        const r = rnd();
        if (r < 0.05) continue;
        out[key] = r < 0.12 ? pick(HOSTILE) : mutate(value);
        // A primitive-extension sibling of the wrong shape.
        if (rnd() < 0.02) out[`_${key}`] = pick(HOSTILE);
      }
      if (rnd() < 0.03) out[pick(['_x', 'extension', 'modifierExtension', 'contained', 'id', 'meta', '_id', 'text', 'fhir_comments'])] = pick(HOSTILE);
      return out;
    }
    return rnd() < 0.08 ? pick(HOSTILE) : node;
  };

  const files = fs
    .readdirSync(EXAMPLES)
    .filter((f) => f.endsWith('.json'))
    .sort();
  const examples = files.map((f) => ({ file: f, resource: JSON.parse(fs.readFileSync(path.join(EXAMPLES, f), 'utf8')) as Record<string, unknown> }));
  const failures: string[] = [];
  const statuses: Record<number, number> = {};
  let sent = 0;
  const send = async (what: string, url: string, method: string, body: unknown, headers?: Record<string, string>): Promise<{ status: number; body: any }> => {
    const res = await fhirFetch(url, { method, body, headers });
    sent++;
    statuses[res.status] = (statuses[res.status] ?? 0) + 1;
    if (res.status >= 500) failures.push(`${res.status} ${method} ${what}: ${JSON.stringify(res.body?.issue?.[0]?.diagnostics ?? res.body).slice(0, 300)}`);
    else if (res.status >= 400 && res.body?.resourceType !== 'OperationOutcome') failures.push(`${res.status} ${method} ${what} without an OperationOutcome`);
    return res;
  };
  const stored: { type: string; id: string; resource: Record<string, unknown> }[] = [];

  for (let round = 0; round < ROUNDS; round++) {
    for (const { file, resource } of examples) {
      const type = typeof resource.resourceType === 'string' ? resource.resourceType : 'Patient';
      const body = mutate(resource) as Record<string, unknown>;
      const what = `${file} (round ${round})`;
      const r = rnd();
      if (type === 'Bundle' || r < 0.15) {
        // A transaction of this body and another example's, each as POST or PUT.
        const other = pick(examples).resource;
        const entries = [body, mutate(other) as Record<string, unknown>].map((res, i) => {
          const rt = typeof res.resourceType === 'string' ? res.resourceType : 'Patient';
          const put = rnd() < 0.4;
          return {
            fullUrl: `urn:uuid:00000000-0000-4000-8000-00000000000${i}`,
            resource: res,
            request: put ? { method: 'PUT', url: `${rt}/hx${sent}-${i}` } : { method: 'POST', url: rt },
          };
        });
        const bundle = { resourceType: 'Bundle', type: 'transaction', entry: rnd() < 0.2 ? (mutate(entries) as unknown) : entries };
        await send(`${what} in a transaction`, server.baseUrl, 'POST', bundle);
        continue;
      }
      const put = r < 0.5;
      const id = typeof body.id === 'string' && /^[A-Za-z0-9.-]{1,64}$/.test(body.id) ? body.id : `hx${sent}`;
      if (put && typeof body.id !== 'string') body.id = id;
      const res = await send(what, put ? `${server.baseUrl}/${type}/${id}` : `${server.baseUrl}/${type}`, put ? 'PUT' : 'POST', body);
      if (res.status < 300 && typeof res.body?.id === 'string') stored.push({ type, id: res.body.id, resource: res.body });
    }
  }

  // The examples themselves, stored unchanged, then patched with hostile values at their own paths.
  for (const { resource } of examples.filter((_, i) => i % 12 === 0)) {
    if (typeof resource.resourceType !== 'string' || resource.resourceType === 'Bundle') continue;
    const res = await send('an example', `${server.baseUrl}/${resource.resourceType}`, 'POST', { ...resource, id: undefined });
    if (res.status < 300 && typeof res.body?.id === 'string') stored.push({ type: resource.resourceType, id: res.body.id, resource: res.body });
  }
  const pointers = (value: unknown, at: string, out: string[]): string[] => {
    out.push(at);
    if (Array.isArray(value)) value.forEach((v, i) => pointers(v, `${at}/${i}`, out));
    else if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) pointers(v, `${at}/${k.replace(/~/g, '~0').replace(/\//g, '~1')}`, out);
    return out;
  };
  for (const { type, id, resource } of stored) {
    const paths = pointers(resource, '', []).filter((p) => p !== '' && p !== '/resourceType' && p !== '/id');
    for (let k = 0; k < 4 && paths.length > 0; k++) {
      const at = pick(paths);
      const ops =
        rnd() < 0.7
          ? [{ op: pick(['add', 'replace']), path: rnd() < 0.3 ? `/_${at.split('/')[1]}` : at, value: pick(HOSTILE) }]
          : [{ op: pick(['add', 'replace', 'remove', 'move', 'copy', 'test']), path: pick([at, '/', '', '/meta/profile', '/meta/profile/-', '/contained/-', '/x', '/~1']), value: pick(HOSTILE), from: pick([at, '/nope']) }];
      await send(`${type}/${id} ${JSON.stringify(ops).slice(0, 200)}`, `${server.baseUrl}/${type}/${id}`, 'PATCH', ops, { 'content-type': 'application/json-patch+json' });
    }
  }

  console.log(`hostile bodies (seed ${SEED}, ${ROUNDS} rounds): ${sent} requests, statuses ${JSON.stringify(statuses)}`);
  expect(failures).toEqual([]);
}, 300_000);

// Each cause the fuzzer found, on its own: the server used to answer each of them 500.
describe('the causes the fuzzer found answer 400 with an OperationOutcome at the element', () => {
  const refused = async (method: string, url: string, body: unknown, headers?: Record<string, string>): Promise<string[]> => {
    const res = await fhirFetch(`${server.baseUrl}${url}`, { method, body, headers });
    expect({ status: res.status, type: res.body?.resourceType }).toEqual({ status: 400, type: 'OperationOutcome' });
    for (const issue of res.body.issue) expect(issue.diagnostics).toMatch(/^[^/]+ \/ .+$/s);
    return res.body.issue.flatMap((i: { expression?: string[] }) => i.expression ?? []);
  };
  const subject = { reference: 'Patient/hx-none' };

  test('a primitive-extension sibling that is no object (@medplum/core threw)', async () => {
    expect(await refused('POST', '/Patient', { resourceType: 'Patient', gender: 'female', _gender: 5 })).toContain('Patient.gender');
    expect(await refused('PUT', '/Patient/hx-ext', { resourceType: 'Patient', id: 'hx-ext', name: [{ given: ['An'], _given: 5 }] })).toContain('Patient.name[0].given');
  });

  test('a CodeableConcept.coding that is no array, or holds a null (bindings.ts threw)', async () => {
    expect(await refused('POST', '/Condition', { resourceType: 'Condition', subject, clinicalStatus: { coding: { code: 'active' } } })).toContain('Condition.clinicalStatus.coding');
    expect(await refused('POST', '/Condition', { resourceType: 'Condition', subject, clinicalStatus: { coding: [null] } })).toContain('Condition.clinicalStatus.coding[0]');
  });

  test('a meta.profile that is no array of strings (validator.ts and the station rules threw)', async () => {
    expect(await refused('POST', '/Patient', { resourceType: 'Patient', meta: { profile: 5 } })).toContain('Patient.meta.profile');
    expect(await refused('POST', '/Patient', { resourceType: 'Patient', meta: { profile: 'http://example.org/p' } })).toContain('Patient.meta.profile');
    expect(await refused('POST', '/Patient', { resourceType: 'Patient', meta: { profile: [5] } })).toContain('Patient.meta.profile[0]');
  });

  test("a value a derivation reads before validation (the station's resident check read subject.reference)", async () => {
    expect(await refused('POST', '/Condition', { resourceType: 'Condition', subject: { reference: 5 } })).toContain('Condition.subject.reference');
  });

  test('in a transaction Bundle and a JSON Patch', async () => {
    const bundle = { resourceType: 'Bundle', type: 'transaction', entry: [{ fullUrl: 'urn:uuid:7b0d4a52-1f7e-4c43-9d55-3a1f0c2b9e01', resource: { resourceType: 'Patient', _gender: 5 }, request: { method: 'POST', url: 'Patient' } }] };
    const res = await fhirFetch(server.baseUrl, { method: 'POST', body: bundle });
    expect({ status: res.status, type: res.body?.resourceType }).toEqual({ status: 400, type: 'OperationOutcome' });
    const created = await fhirFetch(`${server.baseUrl}/Patient`, { method: 'POST', body: { resourceType: 'Patient', gender: 'female' } });
    expect(created.status).toBe(201);
    const patch = { 'content-type': 'application/json-patch+json' };
    expect(await refused('PATCH', `/Patient/${created.body.id}`, [{ op: 'add', path: '/_gender', value: 5 }], patch)).toContain('Patient.gender');
    expect(await refused('PATCH', `/Patient/${created.body.id}`, [{ op: 'add', path: '/meta/profile', value: [5] }], patch)).toContain('Patient.meta.profile[0]');
  });

  test('an empty string where an array belongs, which @medplum/core never saw: the Bundle was stored, and every answer with it 500', async () => {
    expect(await refused('PUT', '/Bundle/hx-empty', { resourceType: 'Bundle', id: 'hx-empty', type: 'collection', entry: '' })).toContain('Bundle.entry');
    expect(await refused('POST', '/Patient', { resourceType: 'Patient', name: '' })).toContain('Patient.name');
  });

  test('a Bundle stored before writes were held to its shape is read as stored, not answered 500', async () => {
    // Written as an older version stored it: the content straight into the table.
    const created = await fhirFetch(`${server.baseUrl}/Bundle`, { method: 'POST', body: { resourceType: 'Bundle', type: 'collection' } });
    expect(created.status).toBe(201);
    const { id, meta } = created.body;
    for (const entry of ['', 5, { resource: { resourceType: 'Patient' } }, [null], [5]]) {
      const content = { resourceType: 'Bundle', id, meta, type: 'collection', entry };
      await server.db.query(`UPDATE resource SET content = $1::json WHERE resource_type = 'Bundle' AND id = $2`, [JSON.stringify(content), id]);
      for (const url of [`/Bundle/${id}`, `/Bundle/${id}/_history/1`, `/Bundle/${id}?_pretty=true`, `/Bundle/${id}?_summary=data`]) {
        const res = await fhirFetch(`${server.baseUrl}${url}`);
        expect({ url, entry, status: res.status, body: res.body?.entry }).toEqual({ url, entry, status: 200, body: entry });
      }
      for (const url of [`/Bundle?_id=${id}`, `/Bundle/${id}/_history`, '/Bundle/_history']) {
        const res = await fhirFetch(`${server.baseUrl}${url}`);
        expect({ url, entry, status: res.status }).toEqual({ url, entry, status: 200 });
        expect(res.body.entry.find((e: { resource?: { id?: string } }) => e.resource?.id === id).resource.entry).toEqual(entry);
      }
    }
  });

  test('a string jsonb cannot store', async () => {
    expect(await refused('POST', '/Patient', { resourceType: 'Patient', name: [{ family: 'a\ud800' }] })).toContain('Patient.name[0].family');
    expect(await refused('POST', '/Patient', { resourceType: 'Patient', name: [{ family: 'a\u0000' }] })).toContain('Patient.name[0].family');
  });
});

// R4's JSON has no empty values: an element without one is left out, never "", {} or [] (shape.ts).
describe('empty values are refused on every write path, at the element', () => {
  const refused = async (method: string, url: string, body: unknown, headers?: Record<string, string>): Promise<{ expressions: string[]; texts: string[] }> => {
    const res = await fhirFetch(`${server.baseUrl}${url}`, { method, body, headers });
    expect({ status: res.status, type: res.body?.resourceType }).toEqual({ status: 400, type: 'OperationOutcome' });
    for (const issue of res.body.issue) expect(issue.diagnostics).toMatch(/^[^/]+ \/ .+$/s);
    return { expressions: res.body.issue.flatMap((i: { expression?: string[] }) => i.expression ?? []), texts: res.body.issue.map((i: { diagnostics: string }) => i.diagnostics) };
  };

  test('create and update: "" {} [] — each error names its element, nothing is stored', async () => {
    const before = (await fhirFetch(`${server.baseUrl}/Patient?_summary=count`)).body.total;
    const both = await refused('POST', '/Patient', { resourceType: 'Patient', name: [], gender: '' });
    expect(both.expressions.sort()).toEqual(['Patient.gender', 'Patient.name']);
    expect(both.texts).toContain('Mảng rỗng [] không phải là giá trị: phần tử không có giá trị thì bỏ hẳn đi / An empty array [] is no value: an element without a value is left out');
    expect((await refused('POST', '/Patient', { resourceType: 'Patient', name: [{}] })).expressions).toEqual(['Patient.name[0]']);
    expect((await refused('PUT', '/Patient/hx-empty-put', { resourceType: 'Patient', id: 'hx-empty-put', managingOrganization: { extension: [] } })).expressions).toEqual(['Patient.managingOrganization.extension']);
    expect((await refused('POST', '/Observation', { resourceType: 'Observation', status: 'final', code: { text: 'x' }, valueString: '' })).expressions).toEqual(['Observation.valueString']);
    expect((await refused('PUT', '/Bundle/hx-empty-entry', { resourceType: 'Bundle', id: 'hx-empty-entry', type: 'collection', entry: [] })).expressions).toEqual(['Bundle.entry']);
    expect((await fhirFetch(`${server.baseUrl}/Patient?_summary=count`)).body.total).toBe(before);
    // A Bundle with no entry element is a Bundle.
    expect((await fhirFetch(`${server.baseUrl}/Bundle`, { method: 'POST', body: { resourceType: 'Bundle', type: 'collection' } })).status).toBe(201);
  });

  test('JSON Patch: a patch that leaves an empty value', async () => {
    const created = await fhirFetch(`${server.baseUrl}/Patient`, { method: 'POST', body: { resourceType: 'Patient', name: [{ family: 'Lê', given: ['An'] }] } });
    const patch = { 'content-type': 'application/json-patch+json' };
    const url = `/Patient/${created.body.id}`;
    expect((await refused('PATCH', url, [{ op: 'remove', path: '/name/0/given/0' }], patch)).expressions).toEqual(['Patient.name[0].given']);
    expect((await refused('PATCH', url, [{ op: 'replace', path: '/name/0/family', value: '' }], patch)).expressions).toEqual(['Patient.name[0].family']);
    expect((await refused('PATCH', url, [{ op: 'add', path: '/telecom', value: [{}] }], patch)).expressions).toEqual(['Patient.telecom[0]']);
    expect((await fhirFetch(`${server.baseUrl}${url}`)).body.meta.versionId).toBe('1');
  });

  test('transaction and batch Bundles: an empty entry array, an empty resource, an empty value in a resource', async () => {
    for (const type of ['transaction', 'batch']) {
      expect((await refused('POST', '', { resourceType: 'Bundle', type, entry: [] })).expressions).toEqual(['Bundle.entry']);
      const emptyResource = { resourceType: 'Bundle', type, entry: [{ request: { method: 'DELETE', url: 'Patient/x' } }, { resource: {}, request: { method: 'POST', url: 'Patient' } }] };
      expect((await refused('POST', '', emptyResource)).expressions).toEqual(['Bundle.entry[1].resource']);
      // A Bundle with no entry element is processed: nothing to do.
      const none = await fhirFetch(server.baseUrl, { method: 'POST', body: { resourceType: 'Bundle', type } });
      expect(none.status).toBe(200);
    }
    const entry = { fullUrl: 'urn:uuid:5b1f2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d', resource: { resourceType: 'Patient', name: [{ family: 'Lê', given: [''] }] }, request: { method: 'POST', url: 'Patient' } };
    const transaction = await fhirFetch(server.baseUrl, { method: 'POST', body: { resourceType: 'Bundle', type: 'transaction', entry: [entry] } });
    expect({ status: transaction.status, type: transaction.body.resourceType }).toEqual({ status: 400, type: 'OperationOutcome' });
    expect(JSON.stringify(transaction.body.issue)).toContain('Patient.name[0].given[0]');
    const batch = await fhirFetch(server.baseUrl, { method: 'POST', body: { resourceType: 'Bundle', type: 'batch', entry: [entry] } });
    expect(batch.body.entry[0].response.status).toMatch(/^400/);
    expect(batch.body.entry[0].response.outcome.issue.flatMap((i: { expression?: string[] }) => i.expression ?? [])).toEqual(['Patient.name[0].given[0]']);
  });
});
