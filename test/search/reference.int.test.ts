import type { Observation, Resource } from '@medplum/fhirtypes';
import { startTestServer, type TestServer } from '../helpers/server';
import { matchIds, seed } from './helpers';

// R4 search.html#reference: Type/id, id, absolute URL, :identifier, typed :Patient.
describe('reference search', () => {
  let server: TestServer;
  let observations: Observation[];

  beforeAll(async () => {
    server = await startTestServer();
    await seed(server, [
      { resourceType: 'Patient', id: 'p-thu', name: [{ family: 'Nguyễn', given: ['Thị', 'Thư'] }] },
      { resourceType: 'Patient', id: 'p-duc', name: [{ family: 'Đặng', given: ['Đức'] }] },
      { resourceType: 'Group', id: 'p-thu', type: 'person', actual: true } as Resource,
    ]);
    const obs = (subject: Observation['subject']): Observation => ({ resourceType: 'Observation', status: 'final', code: { text: 'x' }, subject });
    observations = (await seed(server, [
      obs({ reference: 'Patient/p-thu' }),
      obs({ reference: `${server.baseUrl}/Patient/p-duc` }),
      obs({ reference: 'Group/p-thu' }),
      obs({ reference: 'http://other.example/fhir/Patient/p-thu' }),
      obs({ identifier: { system: 'http://cccd.gov.vn', value: '079190001234' }, display: 'Nguyễn Thị Thư' }),
      obs({ reference: 'Patient/p-thu/_history/1' }),
    ])) as Observation[];
  });
  afterAll(() => server.close());

  const ids = (...indexes: number[]): string[] => indexes.map((i) => observations[i].id!).sort();

  test('Type/id matches relative, absolute-local and versioned references', async () => {
    expect(await matchIds(server, 'Observation?subject=Patient/p-thu')).toEqual(ids(0, 5));
    expect(await matchIds(server, 'Observation?subject=Patient/p-duc')).toEqual(ids(1));
  });

  test('a bare id matches any target type the parameter allows', async () => {
    expect(await matchIds(server, 'Observation?subject=p-thu')).toEqual(ids(0, 2, 5));
    expect(await matchIds(server, 'Observation?patient=p-thu')).toEqual(ids(0, 5));
  });

  test('a typed modifier narrows a bare id', async () => {
    expect(await matchIds(server, 'Observation?subject:Patient=p-thu')).toEqual(ids(0, 5));
    expect(await matchIds(server, 'Observation?subject:Group=p-thu')).toEqual(ids(2));
    expect(await matchIds(server, 'Observation?subject:Group=Patient/p-thu')).toEqual([]);
  });

  test('our own absolute URL is a local reference; another server is matched as written', async () => {
    expect(await matchIds(server, `Observation?subject=${encodeURIComponent(`${server.baseUrl}/Patient/p-thu`)}`)).toEqual(ids(0, 5));
    expect(await matchIds(server, `Observation?subject=${encodeURIComponent('http://other.example/fhir/Patient/p-thu')}`)).toEqual(ids(3));
  });

  test(':identifier matches Reference.identifier', async () => {
    expect(await matchIds(server, 'Observation?subject:identifier=http://cccd.gov.vn|079190001234')).toEqual(ids(4));
    expect(await matchIds(server, 'Observation?subject:identifier=079190001234')).toEqual(ids(4));
    expect(await matchIds(server, 'Observation?subject:identifier=http://other|079190001234')).toEqual([]);
  });

  test('several values are ORed, :missing works', async () => {
    expect(await matchIds(server, 'Observation?subject=Patient/p-thu,Patient/p-duc')).toEqual(ids(0, 1, 5));
    expect(await matchIds(server, 'Observation?subject:missing=true')).toEqual(ids(4));
  });

  test('the Patient compartment was filled at write time from subject', async () => {
    expect(await matchIds(server, 'Patient/p-thu/Observation')).toEqual(ids(0, 5));
    expect(await matchIds(server, 'Patient/p-duc/Observation')).toEqual(ids(1));
  });
});
