import type { Bundle, MeasureReport } from '@medplum/fhirtypes';
import { HA_SON } from '../../src/station/config';
import { storeCommune, storeConformance } from '../../src/station/bootstrap';
import { fhirFetch, startTestServer, type TestServer } from '../helpers/server';
import { writePopulation } from './hand-made';

/**
 * The officers' report over HTTP (hand-made population, period 2025-01-01 … 2025-09-30): the page,
 * CSV, official figures, the 15.2 attestation, saving for the dossier, configuration, follow-up lists.
 */

const Q = 'from=2025-01-01&to=2025-09-30';
let server: TestServer;
let officer: string;
let admin: string;
let auditor: string;

beforeAll(async () => {
  server = await startTestServer();
  await storeConformance(server.engine.repo, server.engine.pack.resources.filter((r) => r.resourceType === 'Measure'));
  await storeCommune(server.engine.repo, HA_SON);
  await writePopulation(server.engine.repo);
  [officer, admin, auditor] = await Promise.all([server.staffToken(['officer']), server.staffToken(['admin']), server.staffToken(['auditor'])]);
}, 120_000);
afterAll(() => server?.close());

const get = async (path: string, token: string | null = officer): Promise<{ status: number; type: string; text: string }> => {
  const res = await fetch(`${server.origin}${path}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  return { status: res.status, type: res.headers.get('content-type') ?? '', text: await res.text() };
};
const post = (path: string, body: unknown, token: string = officer) =>
  fetch(`${server.origin}${path}`, { method: path.endsWith('/config') ? 'PUT' : 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });

describe('GET /reports/health-criterion', () => {
  test('an officer gets the Vietnamese page: header, indicators with numerator, denominator, %, threshold and verdict', async () => {
    const page = await get(`/reports/health-criterion?set=ntm-kieu-mau&${Q}`);
    expect(page.status).toBe(200);
    expect(page.type).toContain('text/html');
    expect(page.text).toContain('BÁO CÁO CÁC CHỈ TIÊU VỀ Y TẾ');
    expect(page.text).toContain('Nông thôn mới kiểu mẫu');
    expect(page.text).toContain('mã xã 15316');
    expect(page.text).toContain('01/01/2025 – 30/09/2025');
    // 14.1 BHYT: 16 of 20, 80,0%, threshold ≥ 95 → not met.
    expect(page.text).toMatch(/14\.1<\/td>[\s\S]*?>16<\/td><td class="num">20<div class="note">đã loại 2<\/div><\/td><td class="num"><strong>80,0%<\/strong>[\s\S]*?≥ 95,0%[\s\S]*?Chưa đạt/);
    expect(page.text).toContain('Thôn Giả Lập 8');
    expect(page.text).toContain('Diễn biến 12 tháng');
    expect(page.text).toContain('id="report-data"');
    expect(page.text).not.toContain('Danh sách cần theo dõi (chỉ nhân viên trạm)');
  });

  test('NTM set in Bắc Trung Bộ: stunting ceiling 25%, the 15.4 threshold not confirmed', async () => {
    const page = await get(`/reports/health-criterion?set=ntm&${Q}`);
    expect(page.text).toMatch(/15\.3<\/td>[\s\S]*?50,0%[\s\S]*?≤ 25,0%[\s\S]*?Chưa đạt/);
    expect(page.text).toMatch(/15\.4<\/td>[\s\S]*?35,0%[\s\S]*?Chưa xác định/);
  });

  test('without credentials 401; an auditor 403; a bad period 400 in Vietnamese', async () => {
    expect((await get(`/reports/health-criterion?${Q}`, null)).status).toBe(401);
    expect((await get(`/reports/health-criterion?${Q}`, auditor)).status).toBe(403);
    const bad = await get('/reports/health-criterion?from=2025-09-30&to=2025-01-01');
    expect(bad.status).toBe(400);
    expect(bad.text).toContain('periodStart phải trước');
    expect((await get(`/reports/health-criterion?set=xyz&${Q}`)).status).toBe(400);
  });

  test('assets come from this server (uPlot, Noto Sans, the report script) without signing in', async () => {
    for (const path of ['/reports/assets/uPlot.iife.min.js', '/reports/assets/uPlot.min.css', '/reports/assets/report.js', '/reports/assets/report.css', '/reports/assets/fonts/400.css', '/reports/assets/fonts/files/noto-sans-vietnamese-400-normal.woff2']) {
      expect({ path, status: (await get(path, null)).status }).toEqual({ path, status: 200 });
    }
  });
});

describe('CSV', () => {
  test('one row per indicator and stratum, UTF-8 with BOM', async () => {
    const csv = await get(`/reports/health-criterion.csv?set=ntm-nang-cao&${Q}`);
    expect(csv.status).toBe(200);
    expect(csv.type).toContain('text/csv');
    const bytes = Buffer.from(await (await fetch(`${server.origin}/reports/health-criterion.csv?${Q}`, { headers: { authorization: `Bearer ${officer}` } })).arrayBuffer());
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]); // the BOM (fetch's text() drops it)
    const lines = csv.text.split('\r\n');
    const title = 'Tỷ lệ người dân tham gia bảo hiểm y tế';
    expect(lines).toContain(`tong,,14.1,${title},16,20,2,80.0,"≥ 95,0%",chua dat,,`);
    expect(lines).toContain(`thon,Giang Sơn 9,14.1,${title},3,5,1,60.0,"≥ 95,0%",chua xac dinh,,`);
    expect(lines).toContain(`gioi_tinh,Nữ,14.1,${title},6,9,2,66.7,"≥ 95,0%",chua dat,,`);
    expect(lines).toContain(`thon_gioi_tinh,Thôn Giả Lập 8 / Nam,14.1,${title},0,0,0,,"≥ 95,0%",chua xac dinh,,`);
    expect(lines).toContain('Sổ sức khỏe điện tử trên VNeID,tong,6');
    expect(lines.find((l) => l.startsWith('dien_bien,'))!.split(',')).toHaveLength(13);
  });
});

describe('official figures, the 15.2 attestation, the dossier', () => {
  test('an officer enters the social-insurance office\'s BHYT count; the page shows it beside the computed one, with source, who and when', async () => {
    const res = await post('/reports/health-criterion/official-figures', { measure: 'bhyt-coverage', from: '2025-01-01', to: '2025-09-30', numerator: 19, denominator: 20, source: 'BHXH huyện Hà Trung, danh sách 30/9' });
    expect(res.status).toBe(201);
    const page = await get(`/reports/health-criterion?set=ntm&${Q}`);
    expect(page.text).toMatch(/15\.1<\/td>[\s\S]*?80,0%[\s\S]*?<strong>95,0%<\/strong> \(19\/20\)<br>Nguồn: BHXH huyện Hà Trung, danh sách 30\/9/);
    const bad = await post('/reports/health-criterion/official-figures', { measure: 'bhyt-coverage', from: '2025-01-01', to: '2025-09-30', numerator: 30, denominator: 20, source: 'x' });
    expect(bad.status).toBe(400);
  });

  test('15.2 is attested by station staff (not officers) and shown as met', async () => {
    expect((await post('/reports/health-criterion/attestation', { from: '2025-01-01', to: '2025-12-31', met: true, note: 'QĐ công nhận số 123' })).status).toBe(403);
    const res = await post('/reports/health-criterion/attestation', { from: '2025-01-01', to: '2025-12-31', met: 'true', note: 'QĐ công nhận số 123/QĐ-UBND' }, server.token);
    expect(res.status).toBe(201);
    const page = await get(`/reports/health-criterion?set=ntm&${Q}`);
    expect(page.text).toMatch(/15\.2<\/td>[\s\S]*?Trạm xác nhận: <strong>đạt<\/strong>[\s\S]*?>Đạt<\/td>[\s\S]*?QĐ công nhận số 123\/QĐ-UBND/);
  });

  test('saving the report stores one MeasureReport per indicator; saving again makes version 2 of the same ones', async () => {
    const body = { set: 'ntm-kieu-mau', from: '2025-01-01', to: '2025-09-30' };
    const first = await (await post('/reports/health-criterion/save', body)).json();
    expect(first.reports).toHaveLength(5);
    expect(first.reports.every((r: string) => r.endsWith('/_history/1'))).toBe(true);
    const second = await (await post('/reports/health-criterion/save', body)).json();
    expect(second.reports.map((r: string) => r.replace('/_history/2', ''))).toEqual(first.reports.map((r: string) => r.replace('/_history/1', '')));
    const saved = (await fhirFetch(`${server.baseUrl}/${first.reports[0].replace(/\/_history\/1$/, '')}`, { token: officer })).body as MeasureReport;
    expect(saved.meta!.tag![0].code).toBe('saved');
    expect(saved.group![0].population!.find((p) => p.code!.coding![0].code === 'numerator')!.count).toBe(16);
    expect(saved.group![0].extension).toEqual([
      { url: 'http://commune-ehr.example/fhir/StructureDefinition/criterion-threshold', valueQuantity: { value: 95, comparator: '>=', unit: '%', system: 'http://unitsofmeasure.org', code: '%' } },
      { url: 'http://commune-ehr.example/fhir/StructureDefinition/criterion-met', valueBoolean: false },
    ]);
    const history = (await fhirFetch(`${server.baseUrl}/${first.reports[0].replace(/\/_history\/1$/, '')}/_history`, { token: officer })).body as Bundle;
    expect(history.entry).toHaveLength(2);
  });

  test('an indicator with no goal in its criteria set is saved without a threshold extension, not with an empty one', async () => {
    const res = await post('/reports/health-criterion/save', { set: 'ntm', from: '2025-01-01', to: '2025-09-30' });
    expect(res.status).toBe(201);
    const { reports } = await res.json();
    expect(reports).toHaveLength(4);
    const saved = await Promise.all(reports.map(async (r: string) => (await fhirFetch(`${server.baseUrl}/${r}`, { token: officer })).body as MeasureReport));
    const groups = saved.flatMap((r) => r.group ?? []);
    expect(groups.some((g) => g.extension === undefined)).toBe(true);
    expect(groups.every((g) => g.extension === undefined || g.extension.length > 0)).toBe(true);
  });
});

describe('configuration', () => {
  test('officers read it; only an admin changes it, and the page follows (region DBSH: stunting ceiling 16.5%)', async () => {
    const current = await get('/reports/health-criterion/config');
    expect(JSON.parse(current.text).config.region).toBe('BTB');
    expect((await post('/reports/health-criterion/config', { region: 'DBSH' })).status).toBe(403);
    const bad = await post('/reports/health-criterion/config', { region: 'XX' }, admin);
    expect(bad.status).toBe(400);
    const ok = await post('/reports/health-criterion/config', { region: 'DBSH' }, admin);
    expect(ok.status).toBe(200);
    expect((await ok.json()).source).toMatch(/^Library\/.+\/_history\/1$/);
    const page = await get(`/reports/health-criterion?set=ntm&${Q}`);
    expect(page.text).toMatch(/15\.3<\/td>[\s\S]*?≤ 16,5%/);
    expect(page.text).toMatch(/15\.4<\/td>[\s\S]*?35,0%[\s\S]*?≥ 70,0%[\s\S]*?Chưa đạt/);
    expect((await post('/reports/health-criterion/config', {}, admin)).status).toBe(200);
  });
});

describe('follow-up lists', () => {
  test('station staff get the names of who still needs a BHYT card; officers get 403', async () => {
    const page = await get(`/reports/health-criterion/follow-up?measure=bhyt-coverage&${Q}`, server.token);
    expect(page.status).toBe(200);
    for (const label of ['A3', 'B4', 'B5', 'C2']) expect(page.text).toContain(`Người Thử ${label}`);
    expect(page.text).not.toContain('Người Thử A1<');
    expect(page.text).toContain(': 4 người');
    expect((await get(`/reports/health-criterion/follow-up?measure=bhyt-coverage&${Q}`)).status).toBe(403);
    const staffPage = await get(`/reports/health-criterion?${Q}`, server.token);
    expect(staffPage.text).toContain('Danh sách cần theo dõi (chỉ nhân viên trạm)');
  });
});
