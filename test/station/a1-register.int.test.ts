import type { Practitioner, Resource } from '@medplum/fhirtypes';
import { errorHandler } from '../../src/http/errors';
import pino from 'pino';
import { storeCommune } from '../../src/station/bootstrap';
import { HA_SON } from '../../src/station/config';
import { stationRoutes } from '../../src/station/http/routes';
import { visitResources, type VisitInput } from '../../src/station/model/clinical';
import { TransactionBuilder } from '../../src/station/model/bundle';
import { residentResource } from '../../src/station/model/person';
import { bhytCoverage } from '../../src/station/model/records';
import { A1_COLUMNS } from '../../src/station/registers/a1-render';
import { terminology } from './examples';
import { parseCsv } from '../helpers/csv';
import { serveRouter, startStationEngine, type StationEngine } from './helpers';

const [CHI_PHUC, GIANG_SON_9, CAM_CUONG, VINH_AN] = HA_SON.villages;

/** The register for 3–4 September 2025, written out by hand from the visits created below. */
const EXPECTED: string[][] = [
  ['STT', 'Họ và tên', 'Tuổi - Nam', 'Tuổi - Nữ', 'Số thẻ BHYT', 'Địa chỉ', 'Nghề nghiệp', 'Dân tộc', 'Triệu chứng', 'Chẩn đoán', 'Xử trí', 'Người khám', 'Ghi chú'],
  ['1', 'Nguyễn Thị Hoa', '', '40', 'GD4383820012345', 'Thôn Chí Phúc, xã Tống Sơn', 'Làm ruộng', 'Kinh', 'Sốt nhẹ, ho', 'J00 Viêm mũi họng cấp (cảm thường); R05 Ho', 'Paracetamol 500 mg × 3 ngày', 'Trần Văn Nam', ''],
  ['2', 'Nguyễn Thị Hoa', '', '40', 'GD4383820012345', 'Thôn Chí Phúc, xã Tống Sơn', 'Làm ruộng', 'Kinh', 'Đau răng hàm dưới', 'K02 Sâu răng', 'Trám răng', 'BS. Lê Thu', ''],
  ['3', 'Đỗ Thị Mai', '', '24 ngày', '', 'Thôn Vĩnh An, xã Tống Sơn', '', 'Kinh', 'Khám trẻ sơ sinh', 'Z00.1 Khám sức khỏe định kỳ trẻ em', 'Tư vấn nuôi con bằng sữa mẹ', 'Trần Văn Nam', 'Khám tại nhà; Mẹ sinh thường'],
  ['4', 'Phạm Văn Đức', '75', '', '', 'Thôn Cẩm Cường, xã Tống Sơn', 'Hưu và > 60 tuổi', 'Kinh', 'Đau đầu, chóng mặt', 'I10 Tăng huyết áp vô căn (nguyên phát)', 'Amlodipin 5 mg', 'Trần Văn Nam', 'Khám từ xa'],
  ['5', 'Lê Minh Khang', '2', '', 'TE1383820098765', 'Thôn Giang Sơn 9, xã Tống Sơn', '', 'Mường', 'Sốt, đau họng', 'J02 Viêm họng cấp', 'Hạ sốt, súc họng', 'BS. Lê Thu', ''],
];

describe('examination register A1/YTCS', () => {
  let s: StationEngine;
  let http: { url: string; close(): Promise<void> };
  beforeAll(async () => {
    s = await startStationEngine();
    const refs = await storeCommune(s.engine.repo, HA_SON);
    const create = async (r: Resource): Promise<string> => {
      const { resource } = await s.engine.repo.create(r);
      return `${resource.resourceType}/${resource.id}`;
    };
    const nam = await create({ resourceType: 'Practitioner', name: [{ text: 'Trần Văn Nam', family: 'Trần', given: ['Văn', 'Nam'] }] } as Practitioner);
    const hoa = await create(residentResource(HA_SON, { name: 'Nguyễn Thị Hoa', sex: 'female', birthDate: '1985-03-12', ethnicCode: '01', cccd: '038185001234', bhytCardCode: 'GD4383820012345', occupationCode: '05', occupationText: 'Làm ruộng', residences: [{ village: CHI_PHUC, type: 'thuong-tru', start: '2005-06-01' }] }));
    await create(bhytCoverage({ patientRef: hoa, cardCode: 'GD4383820012345', start: '2025-01-01', end: '2025-12-31', facility: { code: '38999', name: HA_SON.station.name, reference: refs.organization } }, terminology));
    const mai = await create(residentResource(HA_SON, { name: 'Đỗ Thị Mai', sex: 'female', birthDate: '2025-08-10', ethnicCode: '01', residences: [{ village: VINH_AN, type: 'thuong-tru', start: '2025-08-10' }] }));
    const duc = await create(residentResource(HA_SON, { name: 'Phạm Văn Đức', sex: 'male', birthDate: '1950-01-01', ethnicCode: '01', occupationCode: '03', residences: [{ village: CAM_CUONG, type: 'thuong-tru' }] }));
    const khang = await create(residentResource(HA_SON, { name: 'Lê Minh Khang', sex: 'male', birthDate: '2023-07-20', ethnicCode: '06', bhytCardCode: 'TE1383820098765', residences: [{ village: GIANG_SON_9, type: 'tam-tru', start: '2023-07-20' }] }));
    const thu = { display: 'BS. Lê Thu' };
    const visit = async (input: Omit<VisitInput, 'stationRef'>): Promise<void> => {
      const tx = new TransactionBuilder();
      const placeholders = input.diagnoses.map(() => `urn:uuid:${crypto.randomUUID()}`);
      const { encounter, conditions } = visitResources({ ...input, stationRef: refs.organization }, terminology, placeholders);
      const conditionRefs = conditions.map((c) => tx.add(c));
      encounter.diagnosis?.forEach((d, i) => (d.condition.reference = conditionRefs[i]));
      tx.add(encounter);
      await s.dispatch({ method: 'POST', path: '', query: [], body: tx.bundle() });
    };
    // Entered out of order on purpose; the register sorts by date and time.
    await visit({ patientRef: khang, examiner: thu, start: '2025-09-04T23:30:00+07:00', class: 'AMB', specialty: 'nhi', symptoms: 'Sốt, đau họng', diagnoses: ['J02'], treatment: 'Hạ sốt, súc họng' });
    await visit({ patientRef: hoa, examiner: { reference: nam, display: 'x' }, start: '2025-09-03T08:15:00+07:00', class: 'AMB', specialty: 'noi', symptoms: 'Sốt nhẹ, ho', diagnoses: ['J00', 'R05'], treatment: 'Paracetamol 500 mg × 3 ngày' });
    await visit({ patientRef: hoa, examiner: thu, start: '2025-09-03T09:00:00+07:00', class: 'AMB', specialty: 'rhm', symptoms: 'Đau răng hàm dưới', diagnoses: ['K02'], treatment: 'Trám răng' });
    await visit({ patientRef: mai, examiner: { reference: nam, display: 'x' }, start: '2025-09-03T10:00:00+07:00', class: 'HH', specialty: 'nhi', symptoms: 'Khám trẻ sơ sinh', diagnoses: ['Z00.1'], treatment: 'Tư vấn nuôi con bằng sữa mẹ', note: 'Mẹ sinh thường' });
    await visit({ patientRef: duc, examiner: { reference: nam, display: 'x' }, start: '2025-09-04T14:00:00+07:00', class: 'VR', specialty: 'noi', symptoms: 'Đau đầu, chóng mặt', diagnoses: ['I10'], treatment: 'Amlodipin 5 mg' });
    // Outside the period in the station's time zone (23:30 on 2 September is 16:30 UTC), a later day, a cancelled visit.
    await visit({ patientRef: hoa, examiner: thu, start: '2025-09-02T23:30:00+07:00', class: 'AMB', specialty: 'noi', symptoms: 'Ho', diagnoses: ['R05'], treatment: 'Theo dõi' });
    await visit({ patientRef: hoa, examiner: thu, start: '2025-09-05T07:00:00+07:00', class: 'AMB', specialty: 'noi', symptoms: 'Ho', diagnoses: ['R05'], treatment: 'Theo dõi' });
    await visit({ patientRef: duc, examiner: thu, start: '2025-09-04T08:00:00+07:00', class: 'AMB', specialty: 'noi', symptoms: 'Hẹn khám', diagnoses: [], status: 'cancelled' });
    // 10 September: a card that expired on 31 August, and one that starts on 1 October; both codes are also on the Patient (as registration writes them).
    const lan = await create(residentResource(HA_SON, { name: 'Trần Thị Lan', sex: 'female', birthDate: '1990-05-05', ethnicCode: '01', bhytCardCode: 'GD4383820054321', residences: [{ village: CHI_PHUC, type: 'thuong-tru', start: '2010-01-01' }] }));
    await create(bhytCoverage({ patientRef: lan, cardCode: 'GD4383820054321', start: '2024-09-01', end: '2025-08-31', facility: { code: '38999', name: HA_SON.station.name, reference: refs.organization } }, terminology));
    const binh = await create(residentResource(HA_SON, { name: 'Vũ Văn Bình', sex: 'male', birthDate: '1970-02-02', ethnicCode: '01', bhytCardCode: 'HN2383820067890', residences: [{ village: VINH_AN, type: 'thuong-tru', start: '2000-01-01' }] }));
    await create(bhytCoverage({ patientRef: binh, cardCode: 'HN2383820067890', start: '2025-10-01', end: '2026-09-30', facility: { code: '38999', name: HA_SON.station.name, reference: refs.organization } }, terminology));
    // A private insurance recorded first does not hide the BHYT card valid beside it.
    const cuong = await create(residentResource(HA_SON, { name: 'Hồ Văn Cường', sex: 'male', birthDate: '1982-08-08', ethnicCode: '01', residences: [{ village: CAM_CUONG, type: 'thuong-tru', start: '2000-01-01' }] }));
    await create({ resourceType: 'Coverage', status: 'active', beneficiary: { reference: cuong }, payor: [{ display: 'Bảo hiểm tư nhân' }], period: { start: '2025-01-01', end: '2025-12-31' } } as Resource);
    await create(bhytCoverage({ patientRef: cuong, cardCode: 'DN4383820011111', start: '2025-01-01', end: '2025-12-31', facility: { code: '38999', name: HA_SON.station.name, reference: refs.organization } }, terminology));
    await visit({ patientRef: cuong, examiner: thu, start: '2025-09-10T10:00:00+07:00', class: 'AMB', specialty: 'noi', symptoms: 'Ho', diagnoses: ['R05'], treatment: 'Theo dõi' });
    await visit({ patientRef: lan, examiner: thu, start: '2025-09-10T08:00:00+07:00', class: 'AMB', specialty: 'noi', symptoms: 'Ho', diagnoses: ['R05'], treatment: 'Theo dõi' });
    await visit({ patientRef: binh, examiner: thu, start: '2025-09-10T09:00:00+07:00', class: 'AMB', specialty: 'noi', symptoms: 'Ho', diagnoses: ['R05'], treatment: 'Theo dõi' });
    const router = stationRoutes({ config: HA_SON, timeZone: 'Asia/Ho_Chi_Minh', repoFor: () => s.engine.repo });
    http = await serveRouter('/station', router, errorHandler(pino({ level: 'silent' }), 1024));
  });
  afterAll(async () => {
    await http.close();
    await s.close();
  });

  test('the CSV has the 13 columns in order and matches the hand-written table row for row', async () => {
    const res = await fetch(`${http.url}/registers/a1?from=2025-09-03&to=2025-09-04&format=csv`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(parseCsv(await res.text())).toEqual(EXPECTED);
    expect(A1_COLUMNS).toHaveLength(13);
  });

  test('the HTML page is Vietnamese, printable, with the same rows grouped by day', async () => {
    const res = await fetch(`${http.url}/registers/a1?from=2025-09-03&to=2025-09-04`);
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('<html lang="vi">');
    expect(html).toContain('SỔ KHÁM BỆNH');
    expect(html).toContain('Từ ngày 03/09/2025 đến ngày 04/09/2025');
    expect(html).toContain('@page { size: A4 landscape');
    expect(html.indexOf('Ngày 03/09/2025')).toBeLessThan(html.indexOf('Ngày 04/09/2025'));
    const unescape = (cell: string): string => cell.replace(/&gt;/g, '>').replace(/&lt;/g, '<').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&');
    const bodyRows = [...html.matchAll(/<tr><td>(.*?)<\/td><\/tr>/g)].map((m) => m[1].split('</td><td>').map(unescape));
    expect(bodyRows).toEqual(EXPECTED.slice(1));
    expect(html).toContain('Tổng số lượt khám: 5 (nam 2, nữ 3); có thẻ BHYT: 3.');
  });

  test('a visit when the resident\'s recorded card was not valid has no card number, even with the code on the Patient; another insurance is no BHYT card', async () => {
    const res = await fetch(`${http.url}/registers/a1?from=2025-09-10&to=2025-09-10&format=csv`);
    const rows = parseCsv(await res.text()).slice(1);
    expect(rows.map((r) => [r[1], r[4]])).toEqual([
      ['Trần Thị Lan', ''],
      ['Vũ Văn Bình', ''],
      ['Hồ Văn Cường', 'DN4383820011111'],
    ]);
  });

  test('bad periods are refused with a Vietnamese OperationOutcome', async () => {
    for (const query of ['', 'from=2025-09-05&to=2025-09-01', 'from=2025-02-30&to=2025-03-01', 'from=2024-01-01&to=2025-09-01', 'from=2025-09-01&to=2025-09-02&format=pdf']) {
      const res = await fetch(`${http.url}/registers/a1?${query}`);
      expect({ query, status: res.status }).toEqual({ query, status: 400 });
      const outcome = await res.json();
      expect(outcome.resourceType).toBe('OperationOutcome');
      expect(outcome.issue[0].diagnostics).toMatch(/^[^/]*[ạảãáàâầấậẩẫăằắặẳẵđêềếệểễôồốộổỗơờớợởỡưừứựửữíìịỉĩýỳỵỷỹúùụủũóòọỏõéèẹẻẽ]/i);
    }
  });
});
