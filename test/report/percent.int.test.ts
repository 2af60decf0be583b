import { HA_SON } from '../../src/station/config';
import { storeCommune, storeConformance } from '../../src/station/bootstrap';
import { residentResource } from '../../src/station/model/person';
import { bhytCoverage } from '../../src/station/model/records';
import { loadStationTerminology } from '../../src/station/rules/terminology';
import { startTestServer, type TestServer } from '../helpers/server';

/**
 * One figure, one percentage: 1 card among 22 residents is 4.5 % (1/22 = 0.04545…) in the table
 * and in the 12-month trend alike — the trend once rounded the 4-decimal score again (0.0455 → 4.6).
 */

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer();
  await storeConformance(server.engine.repo, server.engine.pack.resources.filter((r) => r.resourceType === 'Measure'));
  await storeCommune(server.engine.repo, HA_SON);
  const t = loadStationTerminology();
  for (let i = 0; i < 22; i++) {
    const patient = residentResource(HA_SON, { name: `Người Thử ${i}`, sex: 'female', birthDate: '1990-01-01', ethnicCode: '01', residences: [{ village: HA_SON.villages[0], type: 'thuong-tru', start: '2000-01-01' }] });
    const { resource } = await server.engine.repo.create(patient);
    if (i === 0) {
      await server.engine.repo.create(bhytCoverage({ patientRef: `Patient/${resource.id}`, cardCode: 'GD4380000000001', start: '2024-01-01', end: '2026-12-31', facility: { code: '38999', name: 'Trạm Y tế xã Hà Sơn' } }, t));
    }
  }
}, 120_000);
afterAll(() => server?.close());

test('the table, the CSV and the trend show 1/22 as 4.5 %', async () => {
  const officer = await server.staffToken(['officer']);
  const get = async (path: string) => (await fetch(`${server.origin}${path}`, { headers: { authorization: `Bearer ${officer}` } })).text();
  const csv = (await get('/reports/health-criterion.csv?set=ntm&from=2025-01-01&to=2025-09-30')).split('\r\n').map((l) => l.split(','));
  const total = csv.find((r) => r[0] === 'tong' && r[2] === '15.1')!;
  expect(total.slice(4, 8)).toEqual(['1', '22', '0', '4.5']);
  const trend = csv.find((r) => r[0] === '15.1 (%)')!;
  expect(trend.at(-1)).toBe('4.5');
  const page = await get('/reports/health-criterion?set=ntm&from=2025-01-01&to=2025-09-30');
  expect(page).toMatch(/15\.1<\/td>[\s\S]*?<strong>4,5%<\/strong>/);
});

test('an official figure of 1/22 is 4.5 % too, on the page and in the CSV — not 4.6 % from its rounded score', async () => {
  const officer = await server.staffToken(['officer']);
  const headers = { authorization: `Bearer ${officer}` };
  const posted = await fetch(`${server.origin}/reports/health-criterion/official-figures`, {
    method: 'POST',
    headers: { ...headers, 'content-type': 'application/json' },
    body: JSON.stringify({ measure: 'bhyt-coverage', from: '2025-01-01', to: '2025-09-30', numerator: 1, denominator: 22, source: 'BHXH huyện Hà Trung' }),
  });
  expect(posted.status).toBe(201);
  const get = async (path: string) => (await fetch(`${server.origin}${path}`, { headers })).text();
  const page = await get('/reports/health-criterion?set=ntm&from=2025-01-01&to=2025-09-30');
  expect(page).toContain('<strong>4,5%</strong> (1/22)<br>Nguồn: BHXH huyện Hà Trung');
  const csv = (await get('/reports/health-criterion.csv?set=ntm&from=2025-01-01&to=2025-09-30')).split('\r\n').map((l) => l.split(','));
  expect(csv.find((r) => r[0] === 'tong' && r[2] === '15.1')!.slice(-2)).toEqual(['4.5', 'BHXH huyện Hà Trung']);
});
