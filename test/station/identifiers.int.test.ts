import type { Coverage, Patient } from '@medplum/fhirtypes';
import { VN_CORE } from '../../src/station/canonical';
import { fhirFetch, startTestServer, type TestServer } from '../helpers/server';
import { bhytCoverage } from '../../src/station/model/records';
import { examples, resident, terminology } from './examples';

/**
 * BHYT card codes and personal IDs over the API (station rules on): the category and province
 * of a card are checked against the known lists, TE against the holder's age, and a wrong
 * character is named instead of a length that is right. Errors are 400, Vietnamese then English.
 */

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({}, { stationRules: true });
}, 60_000);
afterAll(() => server?.close());

const withCard = (code: string, birthDate = resident.birthDate): Patient => {
  const p = structuredClone(resident);
  p.birthDate = birthDate;
  p.identifier = p.identifier!.filter((i) => i.system !== VN_CORE.nationalId).map((i) => (i.system === VN_CORE.insuranceNumber ? { ...i, value: code } : i));
  return p;
};
const refused = async (body: unknown, vi: string, en: string): Promise<void> => {
  const res = await fhirFetch(`${server.baseUrl}/${(body as { resourceType: string }).resourceType}`, { method: 'POST', body });
  expect(res.status).toBe(400);
  expect(res.body.resourceType).toBe('OperationOutcome');
  const text: string = res.body.issue.map((i: { details?: { text?: string } }) => i.details?.text).join('\n');
  expect(text).toContain(vi);
  expect(text).toContain(en);
  expect(text.indexOf(vi)).toBeLessThan(text.indexOf(en));
};

test.each([
  ['an unknown category', 'XX1382020893987', 'Mã đối tượng "XX"', 'Category "XX"'],
  ['a province that does not exist', 'DN3992020893987', 'Mã tỉnh "99"', 'Province code "99"'],
  ['lower-case letters', 'te1382020893987', 'phải viết hoa: TE, không phải te', 'must be capitals'],
])('a Patient with a card code with %s is refused', async (_name, code, vi, en) => {
  await refused(withCard(code), vi, en);
});

test('a children\'s card (TE) for a man born in 1980 is refused; for a child of 4 it is accepted', async () => {
  await refused(withCard('TE1382020893988', '1980-01-01'), 'chỉ dành cho trẻ dưới 6 tuổi', 'for children under 6');
  const child = withCard('TE1382020893988', new Date(Date.now() - 4 * 365 * 86_400_000).toISOString().slice(0, 10));
  expect((await fhirFetch(`${server.baseUrl}/Patient`, { method: 'POST', body: child })).status).toBe(201);
});

test('a card (Coverage) of an unknown category or province is refused, not only warned about', async () => {
  const card = (code: string): Coverage => ({ ...structuredClone(examples.coverage as Coverage), identifier: [{ ...(examples.coverage as Coverage).identifier![0], value: code }] });
  await refused(card('XX4382020893987'), 'Mã đối tượng "XX"', 'Category "XX"');
  await refused(card('GD4992020893987'), 'Mã tỉnh "99"', 'Province code "99"');
});

test('a children\'s card (TE) recorded as a Coverage is checked against its beneficiary\'s age when the card starts', async () => {
  const adult = (await fhirFetch(`${server.baseUrl}/Patient`, { method: 'POST', body: withCard('GD4383820012345', '1980-01-01') })).body as Patient;
  const childBirth = '2020-03-15';
  const child = (await fhirFetch(`${server.baseUrl}/Patient`, { method: 'POST', body: withCard('GD4383820012345', childBirth) })).body as Patient;
  const teCard = (beneficiary: Patient, start: string): Coverage =>
    bhytCoverage(
      { patientRef: `Patient/${beneficiary.id}`, cardCode: 'TE1382020893988', start, end: `${Number(start.slice(0, 4)) + 1}${start.slice(4)}`, facility: { code: '38999', name: 'Trạm Y tế xã Hà Sơn' } },
      terminology,
    );
  const res = await fhirFetch(`${server.baseUrl}/Coverage`, { method: 'POST', body: teCard(adult, '2025-01-01') });
  expect(res.status).toBe(400);
  const [problem] = res.body.issue.filter((i: { severity: string }) => i.severity === 'error');
  expect(problem.details.text).toContain('Thẻ đối tượng TE chỉ dành cho trẻ dưới 6 tuổi, nhưng người sinh ngày 1980-01-01 đã đủ 6 tuổi vào 1986-01-01');
  expect(problem.expression).toEqual(['Coverage.identifier[0].value']);
  // Issued while the child was 5: accepted; a card starting after 30 September of the year they turned 6: refused.
  expect((await fhirFetch(`${server.baseUrl}/Coverage`, { method: 'POST', body: teCard(child, '2025-01-01') })).status).toBe(201);
  expect((await fhirFetch(`${server.baseUrl}/Coverage`, { method: 'POST', body: teCard(child, '2026-10-01') })).status).toBe(400);
});

test('a personal ID of 12 characters with a letter is refused for the letter, not the length', async () => {
  const p = structuredClone(resident);
  p.identifier!.find((i) => i.system === VN_CORE.nationalId)!.value = '03818500123A';
  await refused(p, 'Ký tự "A" ở vị trí 12 không phải chữ số', 'The character "A" at position 12 is not a digit');
});
