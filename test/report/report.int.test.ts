import type { Address, Encounter, List, Measure, MeasureReport, MeasureReportGroup, MeasureReportGroupPopulation, Patient } from '@medplum/fhirtypes';
import { MEASURE, measureUrl } from '../../src/report/canonical';
import { defaultReportConfig } from '../../src/report/config';
import { countMeasures, countMeasuresOver } from '../../src/report/evaluate';
import { trendPeriods } from '../../src/report/period';
import { HA_SON } from '../../src/station/config';
import { storeCommune, storeConformance, type StationRefs } from '../../src/station/bootstrap';
import { CS, EXT } from '../../src/station/canonical';
import { residentResource, stationAddress } from '../../src/station/model/person';
import { bhytCoverage, enrolmentResource } from '../../src/station/model/records';
import { visitResources } from '../../src/station/model/clinical';
import { loadStationTerminology } from '../../src/station/rules/terminology';
import { fhirFetch, startTestServer, type TestServer } from '../helpers/server';
import { writePopulation } from './hand-made';
import { ReportRecordsNotCare1768200000000 } from '../../migrations/1768200000000-ReportRecordsNotCare';

/**
 * $evaluate-measure over the hand-made population of hand-made.ts (reference date 2025-09-30,
 * period 2025-01-01 … 2025-09-30). Every expected number below was counted by hand from that table.
 */

const PERIOD = 'periodStart=2025-01-01&periodEnd=2025-09-30';
const [V1, V2, V3, V4, V5, , , V8] = HA_SON.villages.map((v) => v.code);

let server: TestServer;
let ids: Map<string, string>;
let refs: StationRefs;
let officer: string;

beforeAll(async () => {
  server = await startTestServer();
  await storeConformance(server.engine.repo, server.engine.pack.resources.filter((r) => r.resourceType === 'Measure'));
  refs = await storeCommune(server.engine.repo, HA_SON);
  ids = await writePopulation(server.engine.repo);
  officer = await server.staffToken(['officer']);
}, 120_000);
afterAll(() => server?.close());

const evaluate = async (measure: string, query = '', token?: string): Promise<MeasureReport> => {
  const res = await fhirFetch(`${server.baseUrl}/Measure/${measure}/$evaluate-measure?${PERIOD}${query}`, { token });
  expect(res.status).toBe(200);
  return res.body as MeasureReport;
};

type Triple = [initial: number, excluded: number, numerator: number];
const counts = (populations: MeasureReportGroupPopulation[] | undefined): Triple => {
  const get = (code: string): number => populations!.find((p) => p.code!.coding![0].code === code)!.count!;
  expect(get('denominator')).toBe(get('initial-population'));
  return [get('initial-population'), get('denominator-exclusion'), get('numerator')];
};
/** code → [initial, excluded, numerator] for a one-dimension stratifier. */
const strata = (group: MeasureReportGroup, stratifier: string): Record<string, Triple> =>
  Object.fromEntries(
    group.stratifier!.find((s) => s.code![0].coding![0].code === stratifier && s.code!.length === 1)!.stratum!.map((st) => [st.value!.coding![0].code!, counts(st.population)]),
  );
const villageSex = (group: MeasureReportGroup): Record<string, Triple> =>
  Object.fromEntries(group.stratifier!.find((s) => s.code!.length === 2)!.stratum!.map((st) => [st.component!.map((c) => c.value.coding![0].code).join('|'), counts(st.population)]));

describe('$evaluate-measure over the hand-made population', () => {
  test('BHYT coverage: 22 residents, 2 excluded (died, inactive), 16 with a valid card; every stratifier adds up', async () => {
    const report = await evaluate('bhyt-coverage');
    expect(report).toMatchObject({ resourceType: 'MeasureReport', status: 'complete', type: 'summary', measure: `${measureUrl('bhyt-coverage')}|0.1.0`, period: { start: '2025-01-01', end: '2025-09-30' } });
    const g = report.group![0];
    expect(counts(g.population)).toEqual([22, 2, 16]);
    expect(g.measureScore!.value).toBe(0.8);
    expect(strata(g, 'village')).toEqual({ [V1]: [6, 0, 5], [V2]: [6, 1, 3], [V3]: [3, 0, 2], [V4]: [4, 1, 3], [V5]: [2, 0, 2], '15313-06': [0, 0, 0], '15313-07': [0, 0, 0], [V8]: [0, 0, 0], unknown: [1, 0, 1] });
    expect(strata(g, 'sex')).toEqual({ male: [10, 0, 9], female: [11, 2, 6], other: [0, 0, 0], unknown: [1, 0, 1] });
    expect(strata(g, 'age-group')).toEqual({ '0-4': [4, 0, 4], '5-17': [2, 0, 2], '18-59': [10, 1, 7], '60+': [5, 1, 2], unknown: [1, 0, 1] });
    const vs = villageSex(g);
    expect(vs[`${V1}|female`]).toEqual([4, 0, 3]);
    expect(vs[`${V2}|female`]).toEqual([3, 1, 1]);
    expect(vs[`${V2}|unknown`]).toEqual([1, 0, 1]);
    expect(vs[`${V8}|male`]).toEqual([0, 0, 0]);
    for (const stratifier of g.stratifier!) {
      const sum = stratifier.stratum!.map((s) => counts(s.population)).reduce((a, b) => [a[0] + b[0], a[1] + b[1], a[2] + b[2]]);
      expect(sum).toEqual([22, 2, 16]);
    }
  });

  test('a village with no residents has zero counts and no score', async () => {
    const g = (await evaluate('bhyt-coverage')).group![0];
    const empty = g.stratifier![0].stratum!.find((s) => s.value!.coding![0].code === V8)!;
    expect(empty.value!.text).toBe('Thôn Giả Lập 8');
    expect(empty.measureScore).toBeUndefined();
    expect(g.stratifier![0].stratum!.find((s) => s.value!.coding![0].code === 'unknown')!.value!.text).toBe('Không rõ thôn');
  });

  test('e-health book: 7 (a withdrawn book and a non-resident\'s are not counted; one enrolled on the reference date is)', async () => {
    const g = (await evaluate('e-health-book')).group![0];
    expect(counts(g.population)).toEqual([22, 2, 7]);
    expect(g.measureScore!.value).toBe(0.35);
    expect(strata(g, 'village')[V1]).toEqual([6, 0, 2]);
  });

  test('telemedicine: enrolled and used in the period — 2 (not: last use before the period, cancelled visit, withdrawn on the date)', async () => {
    const g = (await evaluate('telemedicine')).group![0];
    expect(counts(g.population)).toEqual([22, 2, 2]);
    expect(strata(g, 'sex')).toMatchObject({ male: [10, 0, 2], female: [11, 2, 0] });
  });

  test('health managed: 12 with a complete administrative part and a record dated in the period', async () => {
    const g = (await evaluate('health-managed')).group![0];
    expect(counts(g.population)).toEqual([22, 2, 12]);
    expect(strata(g, 'age-group')).toEqual({ '0-4': [4, 0, 4], '5-17': [2, 0, 1], '18-59': [10, 1, 5], '60+': [5, 1, 2], unknown: [1, 0, 0] });
  });

  test('stunting: 5 children measured under 5, 1 implausible excluded, 2 stunted; the child who turned 5 counts with her under-5 measurement', async () => {
    const g = (await evaluate('stunting-under-5')).group![0];
    expect(counts(g.population)).toEqual([5, 1, 2]);
    expect(g.measureScore!.value).toBe(0.5);
    expect(strata(g, 'age-group')).toEqual({ '0-4': [4, 1, 2], '5-17': [1, 0, 0], '18-59': [0, 0, 0], '60+': [0, 0, 0], unknown: [0, 0, 0] });
    expect(strata(g, 'village')).toMatchObject({ [V1]: [2, 0, 1], [V2]: [1, 0, 1], [V4]: [2, 1, 0] });
    expect(strata(g, 'sex')).toMatchObject({ male: [2, 0, 1], female: [3, 1, 1] });
  });

  test('app enrolment: one cohort group per app, counted on the reference date', async () => {
    const report = await evaluate('app-enrolment');
    const byApp = Object.fromEntries(report.group!.map((g) => [g.code!.coding![0].code, g.population![0].count]));
    expect(byApp).toEqual({ 'vneid-health-book': 6, 'provincial-hssk': 1, vtelehealth: 3, 'other-telemedicine': 1, 'station-app': 1 });
    expect(report.group![0].measureScore).toBeUndefined();
  });

  test('subject = a village Location: only its residents', async () => {
    const report = await evaluate('bhyt-coverage', `&subject=${refs.villages.get(V2)}`);
    expect(report.subject!.reference).toBe(refs.villages.get(V2));
    expect(counts(report.group![0].population)).toEqual([6, 1, 3]);
    const commune = await evaluate('bhyt-coverage', `&subject=${refs.commune}`);
    expect(counts(commune.group![0].population)).toEqual([22, 2, 16]);
  });

  test('an earlier reference date: the mover counts in his former village, the card that expired in June still counts', async () => {
    const res = await fhirFetch(`${server.baseUrl}/Measure/bhyt-coverage/$evaluate-measure?periodStart=2025-01-01&periodEnd=2025-03-31`);
    const g = (res.body as MeasureReport).group![0];
    // On 2025-03-31: A6 (moved out in May) lives in V1, B1 still in V1, A7 has arrived (from 03-01), X3 has not yet moved to Hà Nội, B3 alive, E1's card not yet valid.
    expect(strata(g, 'village')[V1]).toEqual([9, 0, 9]);
    expect(strata(g, 'village')[V2]).toEqual([5, 0, 3]);
  });

  test('day boundaries: a card counts through its last day, a resident through the move-out day, an enrolment from its first day and not on the withdrawal day', async () => {
    /** The people (labels) in one population of a subject-list report as of `day`. */
    const members = async (measure: string, day: string, population: string): Promise<string[]> => {
      const res = await fhirFetch(`${server.baseUrl}/Measure/${measure}/$evaluate-measure?periodStart=2025-01-01&periodEnd=${day}&reportType=subject-list`);
      expect(res.status).toBe(200);
      const report = res.body as MeasureReport;
      const ref = report.group![0].population!.find((p) => p.code!.coding![0].code === population)!.subjectResults!.reference!;
      const byId = new Map([...ids].map(([label, id]) => [`Patient/${id}`, label]));
      return ((report.contained!.find((c) => `#${c.id}` === ref) as List).entry ?? []).map((e) => byId.get(e.item.reference!)!);
    };
    // A3's card ends 2025-06-30; A6 moved out on 2025-05-31; A2 enrolled on 2025-02-01; A7 withdrew on 2025-08-01.
    expect(await members('bhyt-coverage', '2025-06-30', 'numerator')).toContain('A3');
    expect(await members('bhyt-coverage', '2025-07-01', 'numerator')).not.toContain('A3');
    expect(await members('bhyt-coverage', '2025-05-31', 'initial-population')).toContain('A6');
    expect(await members('bhyt-coverage', '2025-06-01', 'initial-population')).not.toContain('A6');
    // X3 moved to Hà Nội on 2025-07-01 (the Chí Phúc residence left open); X2 lives in Hà Nội.
    expect(await members('bhyt-coverage', '2025-06-30', 'initial-population')).toContain('X3');
    expect(await members('bhyt-coverage', '2025-07-01', 'initial-population')).not.toContain('X3');
    expect(await members('bhyt-coverage', '2025-06-30', 'initial-population')).not.toContain('X2');
    expect(await members('e-health-book', '2025-01-31', 'numerator')).not.toContain('A2');
    expect(await members('e-health-book', '2025-02-01', 'numerator')).toContain('A2');
    expect(await members('e-health-book', '2025-07-31', 'numerator')).toContain('A7');
    expect(await members('e-health-book', '2025-08-01', 'numerator')).not.toContain('A7');
  });

  test('type level with measure=url, and POST with Parameters', async () => {
    const res = await fhirFetch(`${server.baseUrl}/Measure/$evaluate-measure?measure=${encodeURIComponent(measureUrl('e-health-book'))}&${PERIOD}`);
    expect(res.status).toBe(200);
    expect(counts(res.body.group[0].population)).toEqual([22, 2, 7]);
    const post = await fhirFetch(`${server.baseUrl}/Measure/e-health-book/$evaluate-measure`, {
      method: 'POST',
      body: { resourceType: 'Parameters', parameter: [{ name: 'periodStart', valueDate: '2025-01-01' }, { name: 'periodEnd', valueDate: '2025-09-30' }, { name: 'reportType', valueCode: 'summary' }] },
    });
    expect(post.status).toBe(200);
    expect(counts(post.body.group[0].population)).toEqual([22, 2, 7]);
  });

  test('subject-list for staff: contained Lists per population and the follow-up list (who still needs a card)', async () => {
    const report = await evaluate('bhyt-coverage', '&reportType=subject-list');
    expect(report.type).toBe('subject-list');
    const g = report.group![0];
    const list = (ref: string): string[] => ((report.contained!.find((c) => `#${c.id}` === ref) as List).entry ?? []).map((e) => e.item.reference!);
    const followUp = g.population!.find((p) => p.code!.coding![0].code === 'follow-up')!;
    const expected = ['A3', 'B4', 'B5', 'C2'].map((l) => `Patient/${ids.get(l)}`).sort();
    expect(followUp.count).toBe(4);
    expect(list(followUp.subjectResults!.reference!).sort()).toEqual(expected);
    const excluded = g.population!.find((p) => p.code!.coding![0].code === 'denominator-exclusion')!;
    expect(list(excluded.subjectResults!.reference!).sort()).toEqual(['B3', 'D1'].map((l) => `Patient/${ids.get(l)}`).sort());
    const stunting = await evaluate('stunting-under-5', '&reportType=subject-list');
    const stunted = stunting.group![0].population!.find((p) => p.code!.coding![0].code === 'follow-up')!;
    // Lower is better: the follow-up list of stunting is the stunted children themselves.
    const entries = (stunting.contained!.find((c) => `#${c.id}` === stunted.subjectResults!.reference) as List).entry!;
    expect(entries.map((e) => e.item.reference).sort()).toEqual(['A4', 'B6'].map((l) => `Patient/${ids.get(l)}`).sort());
  });
});

describe('the 12-month trend', () => {
  test('counting twelve months in one statement gives each month\'s own totals', async () => {
    const base = { repo: server.engine.repo, station: HA_SON, config: defaultReportConfig(HA_SON), scope: {}, measures: Object.values(MEASURE).filter((m) => m !== MEASURE.communeCriteria) };
    const periods = trendPeriods({ start: '2025-01-01', end: '2025-09-30' });
    expect(periods.map((p) => p.end)).toEqual(['2024-10-31', '2024-11-30', '2024-12-31', '2025-01-31', '2025-02-28', '2025-03-31', '2025-04-30', '2025-05-31', '2025-06-30', '2025-07-31', '2025-08-31', '2025-09-30']);
    expect(periods[0].start).toBe('2024-02-02'); // 272 days before its end, as in the report's period
    const together = await countMeasuresOver(base, periods);
    for (const [i, period] of periods.entries()) {
      const alone = await countMeasures({ ...base, period });
      expect({ period, totals: together[i].map((g) => g.total) }).toEqual({ period, totals: alone.map((g) => g.total) });
    }
    expect(together[11][0].total).toEqual({ initial: 22, excluded: 2, numerator: 16 });
  });
});

describe('bad requests answer an OperationOutcome, Vietnamese first', () => {
  test.each([
    ['periodStart=2025-01-01', 400, 'Cần periodStart và periodEnd'],
    ['periodStart=2025-09-30&periodEnd=2025-01-01', 400, 'periodStart phải trước'],
    ['periodStart=2025-02-30&periodEnd=2025-03-01', 400, 'YYYY-MM-DD'],
    [`${PERIOD}&reportType=individual`, 400, 'reportType "individual"'],
    [`${PERIOD}&subject=Patient/x`, 400, 'subject phải là Location'],
    [`${PERIOD}&foo=1`, 400, 'Tham số foo'],
    [`${PERIOD}&reportType=summary&reportType=summary`, 400, 'chỉ được dùng một lần'],
  ])('%s → %i', async (query, status, text) => {
    const res = await fhirFetch(`${server.baseUrl}/Measure/bhyt-coverage/$evaluate-measure?${query}`);
    expect(res.status).toBe(status);
    expect(res.body.resourceType).toBe('OperationOutcome');
    expect(res.body.issue[0].details.text).toContain(text);
  });

  test('a POSTed Parameters whose parts are not parts, or whose values are not text, is 400, not 500', async () => {
    for (const parameter of ['x', [null], [{ valueDate: '2025-01-01' }], [{ name: 'periodStart', valueDate: 5 }]]) {
      const res = await fhirFetch(`${server.baseUrl}/Measure/bhyt-coverage/$evaluate-measure`, { method: 'POST', body: { resourceType: 'Parameters', parameter } });
      expect([parameter, res.status, res.body.resourceType]).toEqual([parameter, 400, 'OperationOutcome']);
    }
  });

  test('an unknown Measure is 404; a Measure that is not ours is refused', async () => {
    expect((await fhirFetch(`${server.baseUrl}/Measure/nope/$evaluate-measure?${PERIOD}`)).status).toBe(404);
    const other: Measure = { resourceType: 'Measure', status: 'active', url: 'http://example.org/Measure/x' };
    const created = await fhirFetch(`${server.baseUrl}/Measure`, { method: 'POST', body: other });
    const res = await fhirFetch(`${server.baseUrl}/Measure/${created.body.id}/$evaluate-measure?${PERIOD}`);
    expect(res.status).toBe(400);
    expect(res.body.issue[0].details.text).toContain('chỉ tính các chỉ tiêu');
  });

  test('a village Location outside the station is refused', async () => {
    const loc = await fhirFetch(`${server.baseUrl}/Location`, { method: 'POST', body: { resourceType: 'Location', name: 'Nơi khác' } });
    const res = await fhirFetch(`${server.baseUrl}/Measure/bhyt-coverage/$evaluate-measure?${PERIOD}&subject=Location/${loc.body.id}`);
    expect(res.status).toBe(400);
  });
});

describe('officers see aggregates only', () => {
  test('an officer evaluates summaries, reads Measures and Locations', async () => {
    const report = await evaluate('bhyt-coverage', '', officer);
    expect(counts(report.group![0].population)).toEqual([22, 2, 16]);
    expect((await fhirFetch(`${server.baseUrl}/Measure/bhyt-coverage`, { token: officer })).status).toBe(200);
    expect((await fhirFetch(`${server.baseUrl}/${refs.villages.get(V1)}`, { token: officer })).status).toBe(200);
  });

  test('an officer cannot have the subject-list (403)', async () => {
    const res = await fhirFetch(`${server.baseUrl}/Measure/bhyt-coverage/$evaluate-measure?${PERIOD}&reportType=subject-list`, { token: officer });
    expect(res.status).toBe(403);
    expect(res.body.issue[0].details.text).toContain('chỉ dành cho nhân viên trạm');
  });

  test('an officer reaches no resource that identifies a person', async () => {
    const a1 = ids.get('A1')!;
    const paths = [
      `Patient/${a1}`,
      'Patient',
      `Patient/${a1}/$everything`,
      `Patient?_id=${a1}`,
      'Coverage',
      'Basic',
      'Observation',
      'Encounter',
      'Condition',
      'RelatedPerson',
      'Group',
      `Patient/${a1}/Observation`,
      `?_type=Patient`,
    ];
    for (const path of paths) {
      const res = await fhirFetch(`${server.baseUrl}/${path}`, { token: officer });
      expect({ path, status: res.status }).toEqual({ path, status: 403 });
    }
  });

  test('an officer reads stored summary MeasureReports, never a stored subject-list or individual one', async () => {
    const store = async (report: MeasureReport): Promise<string> => {
      const res = await fhirFetch(`${server.baseUrl}/MeasureReport`, { method: 'POST', body: report });
      expect(res.status).toBe(201);
      return res.body.id;
    };
    const summary = await store(await evaluate('bhyt-coverage'));
    const list = await store(await evaluate('bhyt-coverage', '&reportType=subject-list'));
    const individual = await store({ ...(await evaluate('bhyt-coverage')), type: 'individual', subject: { reference: `Patient/${ids.get('A1')}` } });
    expect((await fhirFetch(`${server.baseUrl}/MeasureReport/${summary}`, { token: officer })).status).toBe(200);
    for (const id of [list, individual]) expect((await fhirFetch(`${server.baseUrl}/MeasureReport/${id}`, { token: officer })).status).toBe(404);
    const found = await fhirFetch(`${server.baseUrl}/MeasureReport?_count=100`, { token: officer });
    expect(found.status).toBe(200);
    const seen = (found.body.entry ?? []).map((e: { resource: MeasureReport }) => e.resource);
    expect(seen.map((r: MeasureReport) => r.id)).toContain(summary);
    expect(seen.every((r: MeasureReport) => r.type === 'summary')).toBe(true);
    // Staff with the officer role and a clinical one are not limited by the officer's limit.
    const both = await server.staffToken(['officer', 'clinician']);
    expect((await fhirFetch(`${server.baseUrl}/MeasureReport/${individual}`, { token: both })).status).toBe(200);
  });
});

/**
 * The report counts over per-resident facts derived from the index tables (src/report/sql/facts.ts):
 * every write must show in the next report. Last in this file: it changes the hand-made population.
 */
describe('writes show in the next report', () => {
  const t = loadStationTerminology();
  const village = (code: string) => HA_SON.villages.find((v) => v.code === code)!;

  test('reads do not queue facts: their AuditEvents are in the Patient compartment but hold no fact', async () => {
    const queued = async (type: string): Promise<number> =>
      (await server.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM report_queue WHERE resource_type = $1`, [type]))[0].n;
    await evaluate('bhyt-coverage'); // empties the queue
    expect((await fhirFetch(`${server.baseUrl}/Patient/${ids.get('A1')}`)).status).toBe(200);
    await server.engine.repo.flushAudit();
    const [{ n: events }] = await server.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM idx_reference_list WHERE resource_type = 'AuditEvent' AND keys @> ARRAY['entity|Patient/' || $1]`,
      [ids.get('A1')],
    );
    expect(events).toBeGreaterThan(0);
    expect(await queued('AuditEvent')).toBe(0);
  });

  test('a new card, enrolment, remote visit and a move between villages; a deleted card', async () => {
    const repo = server.engine.repo;
    const ref = (label: string): string => `Patient/${ids.get(label)}`;
    // B4 (V2, no card) gets one; B5 (V2, station app only) an e-health book; C2 (telemedicine, only a cancelled remote visit) a remote visit that took place.
    const card = await repo.create(bhytCoverage({ patientRef: ref('B4'), cardCode: 'GD4380000000099', start: '2025-01-01', end: '2025-12-31', facility: { code: '38999', name: 'Trạm Y tế xã Hà Sơn' } }, t));
    await repo.create(enrolmentResource({ patientRef: ref('B5'), app: 'vneid-health-book', verification: 'seen-on-phone', enrolledOn: '2025-09-01', recordedBy: { display: 'Nguyễn Thị Lan' }, recordedOn: '2025-09-01' }, t));
    const { encounter } = visitResources({ patientRef: ref('C2'), examiner: { display: 'Lê Văn Thành' }, start: '2025-09-10T09:00:00+07:00', end: '2025-09-10T09:20:00+07:00', class: 'VR', specialty: 'noi', symptoms: 'Ho', diagnoses: ['J00'], treatment: 'Tư vấn', status: 'finished' }, t, ['Condition/placeholder']);
    await repo.create({ ...encounter, diagnosis: undefined });
    // A1 (card holder) moves from V1 to V2 on 2025-09-01.
    const a1 = (await repo.read('Patient', ids.get('A1')!)) as Patient;
    const [moved] = a1.address!;
    await repo.update('Patient', a1.id!, { ...a1, address: [{ ...moved, period: { start: '2000-01-01', end: '2025-08-31' } }, stationAddress(HA_SON, { village: village(V2), type: 'thuong-tru', start: '2025-09-01' })] });

    const bhyt = (await evaluate('bhyt-coverage')).group![0];
    expect(counts(bhyt.population)).toEqual([22, 2, 17]);
    expect(strata(bhyt, 'village')[V1]).toEqual([5, 0, 4]);
    expect(strata(bhyt, 'village')[V2]).toEqual([7, 1, 5]);
    expect(counts((await evaluate('e-health-book')).group![0].population)).toEqual([22, 2, 8]);
    expect(counts((await evaluate('telemedicine')).group![0].population)).toEqual([22, 2, 3]);

    await repo.delete('Coverage', card.resource.id!);
    expect(counts((await evaluate('bhyt-coverage')).group![0].population)).toEqual([22, 2, 16]);
  });
});

describe('residence elsewhere', () => {
  const t = loadStationTerminology();
  const village = (code: string) => HA_SON.villages.find((v) => v.code === code)!;
  const hanoi = (type: 'thuong-tru' | 'tam-tru', start: string): Address => ({
    text: 'Phường Ba Đình, Hà Nội',
    extension: [
      { url: EXT.province, valueCoding: { system: CS.adminUnit2025, code: '01' } },
      { url: EXT.commune, valueCoding: { system: CS.adminUnit2025, code: '00004' } },
      { url: EXT.residenceType, valueCoding: { system: CS.residenceType, code: type } },
    ],
    period: { start },
  });

  test('a temporary resident whose permanent home elsewhere is older counts; so does one who moved away and came back', async () => {
    const repo = server.engine.repo;
    const person = async (name: string, address: Address[]): Promise<string> => {
      const p = residentResource(HA_SON, { name, sex: 'female', birthDate: '1990-01-01', ethnicCode: '01', residences: [{ village: village(V3), type: 'tam-tru' }] });
      const id = (await repo.create({ ...p, address })).resource.id!;
      await repo.create(bhytCoverage({ patientRef: `Patient/${id}`, cardCode: 'GD4380000000031', start: '2025-01-01', end: '2025-12-31', facility: { code: '38999', name: 'Trạm Y tế xã Hà Sơn' } }, t));
      return id;
    };
    const before = strata((await evaluate('bhyt-coverage')).group![0], 'village');
    // Tạm trú in Cẩm Cường since 2024, thường trú in Hà Nội since 2010: lives in the commune now.
    await person('Người Tạm Trú', [hanoi('thuong-tru', '2010-01-01'), stationAddress(HA_SON, { village: village(V3), type: 'tam-tru', start: '2024-01-01' })]);
    // In Vĩnh An since 1990 (never closed), in Hà Nội from 2015, back in Vĩnh An from 2024.
    await person('Người Trở Về', [stationAddress(HA_SON, { village: village(V4), type: 'thuong-tru', start: '1990-01-01' }), hanoi('thuong-tru', '2015-01-01'), stationAddress(HA_SON, { village: village(V4), type: 'thuong-tru', start: '2024-01-01' })]);
    const after = strata((await evaluate('bhyt-coverage')).group![0], 'village');
    expect(after[V3]).toEqual([before[V3][0] + 1, before[V3][1], before[V3][2] + 1]);
    expect(after[V4]).toEqual([before[V4][0] + 1, before[V4][1], before[V4][2] + 1]);
    expect(after.unknown).toEqual(before.unknown);
  });
});

describe('telemedicine use (14.3)', () => {
  test('a remote consultation counts once held (in-progress or finished), not while the resident only waits (arrived)', async () => {
    const t = loadStationTerminology();
    const repo = server.engine.repo;
    const p = residentResource(HA_SON, { name: 'Người Chờ Khám', sex: 'male', birthDate: '1980-01-01', ethnicCode: '01', residences: [{ village: HA_SON.villages[4], type: 'thuong-tru', start: '2000-01-01' }] });
    const ref = `Patient/${(await repo.create(p)).resource.id}`;
    await repo.create(enrolmentResource({ patientRef: ref, app: 'vtelehealth', verification: 'seen-on-phone', enrolledOn: '2025-01-10', recordedBy: { display: 'Nguyễn Thị Lan' }, recordedOn: '2025-01-10' }, t));
    const before = counts((await evaluate('telemedicine')).group![0].population);
    const { encounter } = visitResources({ patientRef: ref, examiner: { display: 'Lê Văn Thành' }, start: '2025-09-10T09:00:00+07:00', end: '2025-09-10T09:20:00+07:00', class: 'VR', specialty: 'noi', symptoms: 'Ho', diagnoses: ['J00'], treatment: 'Tư vấn', status: 'finished' }, t, ['Condition/placeholder']);
    const waiting = (await repo.create({ ...encounter, diagnosis: undefined, status: 'arrived' })).resource as Encounter;
    expect(counts((await evaluate('telemedicine')).group![0].population)).toEqual(before);
    await repo.update('Encounter', waiting.id!, { ...waiting, status: 'in-progress' });
    expect(counts((await evaluate('telemedicine')).group![0].population)).toEqual([before[0], before[1], before[2] + 1]);
  });
});

describe('health managed (14.2): a record that is no care given is no update', () => {
  test('a visit planned or cancelled, and records withdrawn as entered in error, do not make a resident managed; a visit held does', async () => {
    const t = loadStationTerminology();
    const repo = server.engine.repo;
    const p = residentResource(HA_SON, { name: 'Người Chưa Khám', sex: 'female', birthDate: '1975-03-03', ethnicCode: '01', residences: [{ village: HA_SON.villages[5], type: 'thuong-tru', start: '2000-01-01' }] });
    const ref = `Patient/${(await repo.create(p)).resource.id}`;
    const before = counts((await evaluate('health-managed')).group![0].population);
    const visit = (status: Encounter['status']): Encounter => {
      const { encounter } = visitResources({ patientRef: ref, examiner: { display: 'Lê Văn Thành' }, start: '2025-09-10T09:00:00+07:00', end: '2025-09-10T09:20:00+07:00', class: 'AMB', specialty: 'noi', symptoms: 'Ho', diagnoses: ['J00'], treatment: 'Theo dõi', status: 'finished' }, t, ['Condition/placeholder']);
      return { ...encounter, diagnosis: undefined, extension: undefined, status };
    };
    await repo.create(visit('planned'));
    await repo.create(visit('cancelled'));
    await repo.create(visit('entered-in-error'));
    await repo.create({ resourceType: 'Observation', status: 'entered-in-error', category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'vital-signs' }] }], code: { coding: [{ system: 'http://loinc.org', code: '29463-7' }] }, subject: { reference: ref }, effectiveDateTime: '2025-09-10T09:05:00+07:00', valueQuantity: { value: 52, unit: 'kg', system: 'http://unitsofmeasure.org', code: 'kg' } });
    await repo.create({ resourceType: 'Condition', verificationStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-ver-status', code: 'entered-in-error' }] }, code: { coding: [{ system: 'http://hl7.org/fhir/sid/icd-10', code: 'J00' }] }, subject: { reference: ref }, recordedDate: '2025-09-10' });
    await repo.create({ resourceType: 'Immunization', status: 'entered-in-error', vaccineCode: { coding: [{ system: CS.epiVaccine, code: 'UV' }] }, patient: { reference: ref }, occurrenceDateTime: '2025-09-10T09:10:00+07:00', protocolApplied: [{ doseNumberPositiveInt: 1 }] });
    expect(counts((await evaluate('health-managed')).group![0].population)).toEqual(before);
    const held = (await repo.create(visit('finished'))).resource as Encounter;
    expect(counts((await evaluate('health-managed')).group![0].population)).toEqual([before[0], before[1], before[2] + 1]);
    // Found to be another resident's visit, it is withdrawn: the resident is no longer managed.
    await repo.update('Encounter', held.id!, { ...held, status: 'entered-in-error' });
    expect(counts((await evaluate('health-managed')).group![0].population)).toEqual(before);
    // Existing databases: the migration queues such records, so the rows kept before this rule go at the next report.
    await new ReportRecordsNotCare1768200000000().up({ query: (sql: string) => server.db.query(sql) } as never);
    const queued = await server.db.query<{ id: string }>(`SELECT resource_id AS id FROM report_queue WHERE resource_type = 'Encounter'`);
    expect(queued.map((r) => r.id)).toContain(held.id);
    expect(counts((await evaluate('health-managed')).group![0].population)).toEqual(before);
  });
});
