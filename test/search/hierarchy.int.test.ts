import type { Encounter, Location, Resource } from '@medplum/fhirtypes';
import { fhirFetch, startTestServer, type TestServer } from '../helpers/server';
import { matchIds, seed } from './helpers';

// R4 search.html, "searching hierarchies": a reference's :below / :above follow the target type's
// partOf tree (docs/search.md §4). Expected answers are walked here over the seeded tree.
const PARENT: Record<string, string | undefined> = {
  huyen: undefined, // the district
  xa: 'huyen', // the commune
  'thon-1': 'xa',
  'thon-2': 'xa',
  'xom-1a': 'thon-1', // a hamlet of village 1
  'xa-ben': 'huyen', // the neighbouring commune
  'thon-ben': 'xa-ben',
  'vong-a': 'vong-b', // a cycle, which the walk must survive
  'vong-b': 'vong-a',
};
const PLACES = Object.keys(PARENT);

/** The places at or below `root` (its parts, their parts…). */
function atOrBelow(root: string): string[] {
  const found = new Set([root]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const place of PLACES) {
      if (!found.has(place) && found.has(PARENT[place] ?? '')) found.add(place), (grew = true);
    }
  }
  return [...found];
}

/** The places at or above `leaf` (what it is part of, and so on up). */
function atOrAbove(leaf: string): string[] {
  const found: string[] = [];
  for (let at: string | undefined = leaf; at && !found.includes(at); at = PARENT[at]) found.push(at);
  return found;
}

describe('reference :below and :above (hierarchies)', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
    const locations = PLACES.map((id): Location => ({ resourceType: 'Location', id, name: id, ...(PARENT[id] && { partOf: { reference: `Location/${PARENT[id]}` } }) }));
    const visits = PLACES.map(
      (place): Encounter => ({
        resourceType: 'Encounter',
        id: `kham-${place}`,
        status: 'finished',
        class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'AMB' },
        location: [{ location: { reference: `Location/${place}` } }],
      }),
    );
    const organizations: Resource[] = [
      { resourceType: 'Organization', id: 'so-y-te', name: 'Sở Y tế' },
      { resourceType: 'Organization', id: 'ttyt', name: 'Trung tâm Y tế huyện', partOf: { reference: 'Organization/so-y-te' } },
      { resourceType: 'Organization', id: 'tram', name: 'Trạm y tế xã', partOf: { reference: 'Organization/ttyt' } },
      { resourceType: 'Organization', id: 'khac', name: 'Phòng khám tư' },
      { resourceType: 'Patient', id: 'o-tram', managingOrganization: { reference: 'Organization/tram' } },
      { resourceType: 'Patient', id: 'o-khac', managingOrganization: { reference: 'Organization/khac' } },
    ];
    await seed(server, [...locations, ...visits, ...organizations]);
  });
  afterAll(() => server.close());

  const sorted = (ids: string[]): string[] => [...ids].sort();

  test(':below gives the places in a place, at any depth', async () => {
    expect(await matchIds(server, 'Location?partof:below=Location/xa')).toEqual(sorted(atOrBelow('xa').filter((p) => p !== 'xa')));
    expect(await matchIds(server, 'Location?partof:below=Location/huyen')).toEqual(sorted(atOrBelow('huyen').filter((p) => p !== 'huyen')));
    expect(await matchIds(server, 'Location?partof=Location/xa')).toEqual(['thon-1', 'thon-2']);
  });

  test('the visits in a commune are those at the commune or at any place in it', async () => {
    const expected = sorted(atOrBelow('xa').map((p) => `kham-${p}`));
    expect(expected).toEqual(['kham-thon-1', 'kham-thon-2', 'kham-xa', 'kham-xom-1a']);
    expect(await matchIds(server, 'Encounter?location:below=Location/xa')).toEqual(expected);
    expect(await matchIds(server, 'Encounter?location:below=xa')).toEqual(expected);
    expect(await matchIds(server, `Encounter?location:below=${encodeURIComponent(`${server.baseUrl}/Location/xa`)}`)).toEqual(expected);
    expect(await matchIds(server, 'Encounter?location:below=Location/xa,Location/xa-ben')).toEqual(sorted([...atOrBelow('xa'), ...atOrBelow('xa-ben')].map((p) => `kham-${p}`)));
  });

  test(':above gives a place and what it is part of', async () => {
    expect(await matchIds(server, 'Encounter?location:above=Location/xom-1a')).toEqual(sorted(atOrAbove('xom-1a').map((p) => `kham-${p}`)));
    expect(await matchIds(server, 'Patient?organization:below=Organization/so-y-te')).toEqual(['o-tram']);
    expect(await matchIds(server, 'Patient?organization:above=Organization/tram')).toEqual(['o-tram']);
  });

  test('hundreds of roots in one parameter, typed and bare', async () => {
    const roots = [...Array.from({ length: 300 }, (_, k) => `Location/khong-co-${k}`), 'Location/thon-1', 'xa-ben'].join(',');
    expect(await matchIds(server, `Encounter?location:below=${roots}`)).toEqual(sorted([...atOrBelow('thon-1'), ...atOrBelow('xa-ben')].map((p) => `kham-${p}`)));
  });

  test('a cycle ends the walk', async () => {
    expect(await matchIds(server, 'Encounter?location:below=Location/vong-a')).toEqual(['kham-vong-a', 'kham-vong-b']);
    expect(await matchIds(server, 'Encounter?location:above=Location/vong-b')).toEqual(['kham-vong-a', 'kham-vong-b']);
  });

  test('a reference that is not to a hierarchy is a 400 that says so', async () => {
    for (const query of ['Encounter?practitioner:below=Practitioner/1', 'Observation?subject:below=Patient/1', 'Encounter?location:below=http://elsewhere.example/Location/1']) {
      const res = await fhirFetch(`${server.baseUrl}/${query}`);
      expect([query, res.status]).toEqual([query, 400]);
      expect(res.body.issue[0].diagnostics).toMatch(/below/);
    }
  });
});
