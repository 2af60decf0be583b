import type { Immunization, Patient, Resource } from '@medplum/fhirtypes';
import pino from 'pino';
import { errorHandler } from '../../src/http/errors';
import { HA_SON } from '../../src/station/config';
import { stationRoutes } from '../../src/station/http/routes';
import { immunizationResource } from '../../src/station/model/clinical';
import { carerResource, residentResource } from '../../src/station/model/person';
import { A2_TITLES } from '../../src/station/registers/a2-render';
import { parseCsv } from '../helpers/csv';
import { terminology } from './examples';
import { serveRouter, startStationEngine, type StationEngine } from './helpers';

const [CHI_PHUC, GIANG_SON_9, CAM_CUONG] = HA_SON.villages;
const BIRTH_TIME = 'http://hl7.org/fhir/StructureDefinition/patient-birthTime';

/** The register of the children born in 2025, written out by hand from the records created below. */
const EXPECTED: string[][] = [
  [
    'STT', 'Họ và tên trẻ', 'Ngày sinh', 'Giới', 'Họ tên mẹ (người chăm sóc)', 'Địa chỉ',
    'Lao - BCG', 'Viêm gan B sơ sinh - Trong 24 giờ', 'Viêm gan B sơ sinh - Sau 24 giờ',
    'DPT-VGB-Hib - Mũi 1', 'DPT-VGB-Hib - Mũi 2', 'DPT-VGB-Hib - Mũi 3',
    'Bại liệt (OPV) - Lần 1', 'Bại liệt (OPV) - Lần 2', 'Bại liệt (OPV) - Lần 3',
    'Sởi - Mũi 1', 'Tiêm chủng đầy đủ - Ngày đủ', 'DPT4 - 18 tháng', 'Sởi mũi 2 - 18 tháng', 'Uốn ván của mẹ', 'Ghi chú',
  ],
  // Hepatitis B five days after birth; measles after the first birthday: not fully immunised.
  ['1', 'Phạm Thị Dung', '20/01/2025', 'Nữ', '', 'Thôn Cẩm Cường', '21/01/2025', '', '25/01/2025', '20/03/2025', '20/04/2025', '20/05/2025', '20/03/2025', '20/04/2025', '20/05/2025', '01/02/2026', '', '', '', '', 'Đủ mũi cơ bản sau 1 tuổi'],
  // Every dose on time; DPT4 and measles 2 at 18 months (as DPT and MR); an OPV dose entered in error is not counted.
  // His mother is a resident: her two tetanus doses before the birth (not the one after).
  ['2', 'Nguyễn Văn An', '10/02/2025', 'Nam', 'Nguyễn Thị Hoa', 'Thôn Chí Phúc', '11/02/2025', '10/02/2025', '', '12/04/2025', '12/05/2025', '12/06/2025', '12/04/2025', '12/05/2025', '12/06/2025', '12/11/2025', '12/11/2025', '12/08/2026', '12/08/2026', '2 mũi, mũi cuối 10/10/2024', ''],
  // Hepatitis B the day after birth, no birth time: written as within 24 hours, with a note. His mother's record has no tetanus dose.
  ['3', 'Lê Văn Chính', '05/03/2025', 'Nam', 'Lê Thị Hạnh', 'Thôn Giang Sơn 9', '', '06/03/2025', '', '', '', '', '', '', '', '', '', '', '', 'Chưa tiêm', 'VGB sơ sinh ngày thứ 2: không rõ giờ sinh'],
  // Born at 22:00, hepatitis B at 20:00 the next day: 22 hours. The carer is her father.
  ['4', 'Trần Thị Bình', '30/06/2025', 'Nữ', 'Trần Văn Cường (bố)', 'Thôn Chí Phúc', '01/07/2025', '01/07/2025', '', '', '', '', '', '', '', '', '', '', '', '', ''],
];

describe('childhood immunisation register A2.1/YTCS', () => {
  let s: StationEngine;
  let http: { url: string; close(): Promise<void> };
  beforeAll(async () => {
    s = await startStationEngine();
    const create = async (r: Resource): Promise<string> => {
      const { resource } = await s.engine.repo.create(r);
      return `${resource.resourceType}/${resource.id}`;
    };
    const child = (name: string, sex: 'male' | 'female', birthDate: string, village = CHI_PHUC, birthTime?: string): Promise<string> => {
      const patient: Patient & { _birthDate?: unknown } = residentResource(HA_SON, { name, sex, birthDate, ethnicCode: '01', residences: [{ village, type: 'thuong-tru', start: birthDate }] });
      if (birthTime) patient._birthDate = { extension: [{ url: BIRTH_TIME, valueDateTime: birthTime }] };
      return create(patient);
    };
    const dose = (patientRef: string, vaccine: string, n: number, when: string, status?: Immunization['status']): Promise<string> =>
      create({ ...immunizationResource(patientRef, vaccine, n, when, terminology), ...(status ? { status } : {}) });
    const basic = async (ref: string, dates: [string, string, string]): Promise<void> => {
      for (const [i, date] of dates.entries()) {
        await dose(ref, 'DPT-VGB-Hib', i + 1, date);
        await dose(ref, 'OPV', i + 1, date);
      }
    };

    const hoa = await create(residentResource(HA_SON, { name: 'Nguyễn Thị Hoa', sex: 'female', birthDate: '1985-03-12', ethnicCode: '01', cccd: '038185001234', residences: [{ village: CHI_PHUC, type: 'thuong-tru' }] }));
    await dose(hoa, 'UV', 1, '2024-09-10');
    await dose(hoa, 'UV', 2, '2024-10-10');
    await dose(hoa, 'Td', 1, '2025-03-01');
    const an = await child('Nguyễn Văn An', 'male', '2025-02-10');
    await create(carerResource(an, 'Nguyễn Thị Hoa', 'female', { code: 'MTH', display: 'mother' }, undefined, '038185001234'));
    await dose(an, 'VGB-SS', 1, '2025-02-10T10:00:00+07:00');
    await dose(an, 'BCG', 1, '2025-02-11');
    await dose(an, 'OPV', 1, '2025-03-01', 'entered-in-error');
    await basic(an, ['2025-04-12', '2025-05-12', '2025-06-12']);
    await dose(an, 'SOI', 1, '2025-11-12');
    await dose(an, 'DPT', 1, '2026-08-12');
    await dose(an, 'MR', 1, '2026-08-12');

    const binh = await child('Trần Thị Bình', 'female', '2025-06-30', CHI_PHUC, '2025-06-30T22:00:00+07:00');
    await create(carerResource(binh, 'Trần Văn Cường', 'male', { code: 'FTH', display: 'father' }));
    await dose(binh, 'VGB-SS', 1, '2025-07-01T20:00:00+07:00');
    await dose(binh, 'BCG', 1, '2025-07-01');

    await create(residentResource(HA_SON, { name: 'Lê Thị Hạnh', sex: 'female', birthDate: '1995-04-04', ethnicCode: '01', cccd: '038195004321', residences: [{ village: GIANG_SON_9, type: 'thuong-tru' }] }));
    const chinh = await child('Lê Văn Chính', 'male', '2025-03-05', GIANG_SON_9);
    await create(carerResource(chinh, 'Lê Thị Hạnh', 'female', { code: 'MTH', display: 'mother' }, undefined, '038195004321'));
    await dose(chinh, 'VGB-SS', 1, '2025-03-06');

    const dung = await child('Phạm Thị Dung', 'female', '2025-01-20', CAM_CUONG);
    await dose(dung, 'VGB-SS', 1, '2025-01-25');
    await dose(dung, 'BCG', 1, '2025-01-21');
    await basic(dung, ['2025-03-20', '2025-04-20', '2025-05-20']);
    await dose(dung, 'SOI', 1, '2026-02-01');

    // Born in 2023, a late DPT4 in April 2025: not in the 2025 book, in April's doses.
    await dose(await child('Hồ Văn Muộn', 'male', '2023-06-01', GIANG_SON_9), 'DPT', 1, '2025-04-15');
    // Born just outside the year: not in its book.
    await dose(await child('Đỗ Văn Cũ', 'male', '2024-12-31'), 'BCG', 1, '2025-01-01');
    await child('Vũ Thị Mới', 'female', '2026-01-01');

    const router = stationRoutes({ config: HA_SON, timeZone: 'Asia/Ho_Chi_Minh', repoFor: () => s.engine.repo });
    http = await serveRouter('/station', router, errorHandler(pino({ level: 'silent' }), 1024));
  });
  afterAll(async () => {
    await http.close();
    await s.close();
  });

  test('the CSV has the book\'s columns in order and matches the hand-written table row for row', async () => {
    const res = await fetch(`${http.url}/registers/a2?from=2025-01-01&to=2025-12-31&format=csv`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(res.headers.get('content-disposition')).toBe('attachment; filename="so-tiem-chung-tre-em-A2.1-2025-01-01-2025-12-31.csv"');
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(parseCsv(await res.text())).toEqual(EXPECTED);
    expect(A2_TITLES).toEqual(EXPECTED[0]);
  });

  test('the HTML page is Vietnamese and printable, with the same rows and the totals per dose', async () => {
    const res = await fetch(`${http.url}/registers/a2?from=2025-01-01&to=2025-12-31`);
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('<html lang="vi">');
    expect(html).toContain('SỔ TIÊM CHỦNG TRẺ EM');
    expect(html).toContain('Mẫu A2.1/YTCS');
    expect(html).toContain('Trẻ sinh từ ngày 01/01/2025 đến ngày 31/12/2025');
    expect(html).toContain('@page { size: A4 landscape');
    expect(html).toContain('Trẻ sinh từ ngày 01/01/2025 đến ngày 31/12/2025 — ngày tiêm ghi ngày/tháng/năm (2 số cuối)');
    const text = (cell: string): string => cell.replace(/^<td[^>]*>/, '');
    const bodyRows = [...html.matchAll(/<tr>(<td.*?)<\/td><\/tr>/g)].map((m) => m[1].split('</td>').map(text));
    // Printed, the dose columns (7 to 19) and the mother's last tetanus dose (20) hold dd/mm/yy so that a row fits the page.
    const short = (cell: string, i: number): string => (i >= 6 && i <= 19 ? cell.replace(/(\d\d\/\d\d\/)\d\d(\d\d)$/, '$1$2') : cell);
    expect(bodyRows).toEqual(EXPECTED.slice(1).map((row) => row.map(short)));
    expect([bodyRows[1][6], bodyRows[1][19]]).toEqual(['11/02/25', '2 mũi, mũi cuối 10/10/24']);
    expect(html).toContain('Tổng số trẻ: 4 (nam 2, nữ 2).');
    expect(html).toContain('Lao - BCG: 3; Viêm gan B sơ sinh - Trong 24 giờ: 3; Viêm gan B sơ sinh - Sau 24 giờ: 1; DPT-VGB-Hib - Mũi 1: 2;');
    expect(html).toContain('Tiêm chủng đầy đủ - Ngày đủ: 1; DPT4 - 18 tháng: 1; Sởi mũi 2 - 18 tháng: 1.');
  });

  test('the doses given in a month, by village: the monthly report counts every child of the last three years by the day of the dose', async () => {
    const res = await fetch(`${http.url}/registers/a2/doses?from=2025-04-01&to=2025-04-30&format=csv`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-disposition')).toBe('attachment; filename="bao-cao-tiem-chung-tre-em-2025-04-01-2025-04-30.csv"');
    // Columns: village, BCG, hepatitis B within / after 24 h, DPT-VGB-Hib 1-3, OPV 1-3, measles 1, fully immunised, DPT4, measles 2.
    expect(parseCsv(await res.text())).toEqual([
      ['Thôn', ...EXPECTED[0].slice(6, 19)],
      ['Thôn Chí Phúc', '0', '0', '0', '1', '0', '0', '1', '0', '0', '0', '0', '0', '0'],
      ['Thôn Giang Sơn 9', '0', '0', '0', '0', '0', '0', '0', '0', '0', '0', '0', '1', '0'],
      ['Thôn Cẩm Cường', '0', '0', '0', '0', '1', '0', '0', '1', '0', '0', '0', '0', '0'],
      ['Cả xã', '0', '0', '0', '1', '1', '0', '1', '1', '0', '0', '0', '1', '0'],
    ]);
    // A period from 29 February (2028, a leap year) is read like any other.
    expect((await fetch(`${http.url}/registers/a2/doses?from=2028-02-29&to=2028-03-31`)).status).toBe(200);
    // November: An's measles dose, which made him fully immunised.
    const november = await fetch(`${http.url}/registers/a2/doses?from=2025-11-01&to=2025-11-30`);
    const html = await november.text();
    expect(html).toContain('BÁO CÁO TIÊM CHỦNG TRẺ EM');
    expect(html).toContain('<tr class="total"><td>Cả xã</td><td>0</td><td>0</td><td>0</td><td>0</td><td>0</td><td>0</td><td>0</td><td>0</td><td>0</td><td>1</td><td>1</td><td>0</td><td>0</td></tr>');
  });

  test('a period with no births prints an empty book; bad periods are refused with a Vietnamese OperationOutcome', async () => {
    const empty = await fetch(`${http.url}/registers/a2?from=2022-01-01&to=2022-12-31`);
    expect(await empty.text()).toContain('Không có trẻ nào sinh trong kỳ');
    for (const query of ['', 'from=2025-12-31&to=2025-01-01', 'from=2025-01-01&to=2025-12-31&format=pdf']) {
      const res = await fetch(`${http.url}/registers/a2?${query}`);
      expect({ query, status: res.status }).toEqual({ query, status: 400 });
      expect((await res.json()).issue[0].diagnostics).toMatch(/^(Cần|Ngày|Định dạng)/);
    }
  });
});
