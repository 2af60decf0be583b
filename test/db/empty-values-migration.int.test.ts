import type { Patient } from '@medplum/fhirtypes';
import { DropEmptyValues1768400000000 } from '../../migrations/1768400000000-DropEmptyValues';
import { fhirFetch, startTestServer, type TestServer } from '../helpers/server';

/**
 * Migration 1768400000000: a record stored with empty values before writes refused them (the
 * station's builders wrote `"identifier": []`, `"given": []`) could not be sent back with a change —
 * the web app does so on enrolment — as every write now answers 400 for them. The migration drops
 * them from the current content, keeping the version, so the same record saves again.
 */

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
}, 180_000);
afterAll(() => server?.close());

const runMigration = () => new DropEmptyValues1768400000000().up({ query: (sql: string, params?: unknown[]) => server.db.query(sql, params) } as never);

test('a resident stored with empty values saves again after the migration, with the same version and nothing else changed', async () => {
  const created = (await fhirFetch(`${server.baseUrl}/Patient`, { method: 'POST', body: { resourceType: 'Patient', name: [{ family: 'Hà', given: ['Thị', 'Thu'] }], gender: 'female' } })).body as Patient;
  // As an older build stored it: empty arrays, objects and strings, one of them beside its `_x` sibling.
  const legacy = {
    ...created,
    identifier: [],
    name: [{ family: 'Hà', given: ['Thị', '', 'Thu'], _given: [null, { extension: [{ url: 'http://example.org/fhir/StructureDefinition/note', valueString: 'x' }] }, null], prefix: [] }, {}],
    telecom: [{ system: 'phone', value: '' }],
    address: [{ line: [''], city: 'Xã A' }],
    contact: [{ name: { given: [] } }],
    extension: [],
  };
  await server.db.query(`UPDATE resource SET content = $2::json WHERE resource_type = 'Patient' AND id = $1`, [created.id, JSON.stringify(legacy)]);
  const stored = (await fhirFetch(`${server.baseUrl}/Patient/${created.id}`)).body;
  expect(stored.identifier).toEqual([]);
  const refused = await fhirFetch(`${server.baseUrl}/Patient/${created.id}`, { method: 'PUT', body: { ...stored, active: true } });
  expect(refused.status).toBe(400);

  await runMigration();
  const cleaned = (await fhirFetch(`${server.baseUrl}/Patient/${created.id}`)).body;
  expect(cleaned.meta.versionId).toBe(created.meta!.versionId);
  const { meta: _m, ...content } = cleaned;
  const { meta: _c, ...expected } = created;
  expect(content).toEqual({
    ...expected,
    // The `_given` sibling keeps the extension where it was: the emptied name part stays, as null.
    name: [{ family: 'Hà', given: ['Thị', null, 'Thu'], _given: [null, { extension: [{ url: 'http://example.org/fhir/StructureDefinition/note', valueString: 'x' }] }, null] }],
    telecom: [{ system: 'phone' }],
    address: [{ city: 'Xã A' }],
  });
  const saved = await fhirFetch(`${server.baseUrl}/Patient/${created.id}`, { method: 'PUT', body: { ...cleaned, active: true } });
  expect(saved.status).toBe(200);

  // Run again (a second start): nothing left to change.
  await runMigration();
  expect((await fhirFetch(`${server.baseUrl}/Patient/${created.id}`)).body.meta.versionId).toBe(saved.body.meta.versionId);
});
