import type { Observation, Patient } from '@medplum/fhirtypes';
import { VN_CORE } from '../../src/station/canonical';
import { HA_SON } from '../../src/station/config';
import { vitalSign } from '../../src/station/model/clinical';
import { residentResource } from '../../src/station/model/person';
import { fhirFetch } from '../helpers/server';
import { describeBrowser, screenshot } from './helpers/browser';
import { RESIDENTS, startWebStation, type WebStation } from './helpers/station';

describeBrowser('web app: merging a resident registered twice', () => {
  let station: WebStation;
  beforeAll(async () => {
    station = await startWebStation();
  }, 180_000);
  afterAll(() => station?.close());

  test('the duplicate with the same name and birth date is offered, previewed and merged; its record then points to the one kept', async () => {
    const lan = station.patients.get('lan')!;
    // Hoàng Thị Lan registered a second time, and weighed on that record.
    const input = RESIDENTS.find((r) => r.key === 'lan')!;
    const twice = (await fhirFetch(`${station.server.baseUrl}/Patient`, { method: 'POST', body: residentResource(HA_SON, input) })).body as Patient;
    const weight = (await fhirFetch(`${station.server.baseUrl}/Observation`, { method: 'POST', body: vitalSign(`Patient/${twice.id}`, '2025-10-01T08:00:00+07:00', '29463-7', 52) })).body as Observation;
    expect(weight.id).toBeDefined();
    const twiceNumber = twice.identifier!.find((i) => i.system === VN_CORE.patientInternalId)!.value!;

    const { page, errors } = await station.page('clinician');
    await page.goto(`${station.server.origin}/nguoi-dan/${lan}`);
    await page.getByRole('link', { name: 'Gộp hồ sơ trùng' }).click();
    const candidates = page.getByRole('table', { name: 'Hồ sơ có thể trùng' });
    await candidates.getByRole('cell', { name: twiceNumber }).waitFor();
    expect(await candidates.locator('tbody tr').count()).toBe(1);
    await candidates.getByRole('button', { name: 'Chọn' }).click();
    await page.getByText('Xem trước: 1 bản ghi sẽ được chuyển').waitFor();
    await screenshot(page, '80-merge-preview');
    await page.getByRole('button', { name: 'Gộp hồ sơ' }).click();

    await page.getByText('Đã gộp hồ sơ trùng vào hồ sơ này.').waitFor();
    expect(new URL(page.url()).pathname).toBe(`/nguoi-dan/${lan}`);
    const moved = (await fhirFetch(`${station.server.baseUrl}/Observation/${weight.id}`)).body as Observation;
    expect(moved.subject?.reference).toBe(`Patient/${lan}`);

    // The retired record says where the resident's records are now, and offers no second merge.
    await page.goto(`${station.server.origin}/nguoi-dan/${twice.id}`);
    await page.getByText('Hồ sơ này đã được gộp vào').waitFor();
    await page.getByRole('link', { name: 'hồ sơ đang dùng' }).click();
    await page.waitForURL(`**/nguoi-dan/${lan}`);
    expect(errors).toEqual([]);
  });

  test('a registrar is not offered merging (it moves clinical records)', async () => {
    const { page, errors } = await station.page('registrar');
    await page.goto(`${station.server.origin}/nguoi-dan/${station.patients.get('thu')}`);
    await page.getByRole('link', { name: 'Ứng dụng sức khỏe' }).waitFor();
    expect(await page.getByRole('link', { name: 'Gộp hồ sơ trùng' }).count()).toBe(0);
    expect(errors).toEqual([]);
  });
});
