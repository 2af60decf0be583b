import type { Measure, Patient } from '@medplum/fhirtypes';
import { extendDefinitions, loadR4Definitions } from '../../src/fhir/definitions';
import { extractIndexRows } from '../../src/fhir/index/extract';
import { loadConformancePack } from '../../src/fhir/validate/profiles';
import { MEASURE, measureUrl } from '../../src/report/canonical';
import { HA_SON } from '../../src/station/config';
import { residentResource } from '../../src/station/model/person';
import { builtPackDir, errorsOf, stationValidator } from '../station/helpers';

describe('health-criterion Measures', () => {
  const validator = stationValidator();
  const measures = validator.pack.resources.filter((r): r is Measure => r.resourceType === 'Measure');

  test('one Measure per indicator, with the ids and URLs the evaluator uses', () => {
    expect(measures.map((m) => m.id).sort()).toEqual(Object.values(MEASURE).sort());
    for (const m of measures) expect(m.url).toBe(measureUrl(m.id!));
  });

  test('every Measure and report resource of fhir-profiles/measures is valid FHIR R4', () => {
    const ours = validator.pack.resources.filter((r) => ((r as { url?: string }).url ?? '').match(/Measure\/|report|criteri|region|residence-t/));
    expect(ours.length).toBeGreaterThanOrEqual(20);
    for (const r of ours) expect({ url: (r as { url?: string }).url, errors: errorsOf(validator.issues(r)) }).toEqual({ url: (r as { url?: string }).url, errors: [] });
  });

  test('proportion Measures name their populations and the four stratifiers; stunting is "lower is better"', () => {
    for (const m of measures.filter((x) => x.scoring?.coding?.[0].code === 'proportion')) {
      const pops = m.group![0].population!.map((p) => p.code!.coding![0].code);
      expect(pops).toEqual(['initial-population', 'denominator', 'denominator-exclusion', 'numerator']);
      const stratifiers = m.group![0].stratifier!.map((s) => (s.code ?? { coding: s.component!.map((c) => c.code!.coding![0]) }).coding!.map((c) => c.code).join('×'));
      expect(stratifiers).toEqual(['village', 'sex', 'age-group', 'village×sex']);
      expect(m.description).toMatch(/ \/ /); // Vietnamese, then English
    }
    expect(measures.find((m) => m.id === MEASURE.stunting)!.improvementNotation!.coding![0].code).toBe('decrease');
    expect(measures.find((m) => m.id === MEASURE.appEnrolment)!.group!.map((g) => g.code!.coding![0].code)).toContain('vneid-health-book');
  });
});

describe('residence search parameters', () => {
  test('index each residence address under its type and village (or commune codes) with its own period (a move between villages keeps both apart)', () => {
    const pack = loadConformancePack(builtPackDir());
    const defs = extendDefinitions(loadR4Definitions(), pack);
    const [a, b] = HA_SON.villages;
    const patient: Patient = residentResource(HA_SON, {
      name: 'Lê Văn Chuyển', sex: 'male', birthDate: '1990-01-01', ethnicCode: '01',
      residences: [
        { village: a, type: 'thuong-tru', start: '2000-01-01', end: '2025-03-31' },
        { village: b, type: 'tam-tru', start: '2025-04-01' },
      ],
    });
    const noVillage = structuredClone(patient.address![1]);
    noVillage.extension = noVillage.extension!.filter((e) => !e.url.endsWith('/address-village'));
    patient.address!.push({ ...noVillage, period: { start: '2026-01-01' } });
    const rows = extractIndexRows(patient, { defs, timeZone: 'Asia/Ho_Chi_Minh', baseUrl: 'http://x/fhir' });
    const residence = rows.date.filter((r) => r.param.includes('$') && !r.param.includes('|')).map((r) => ({ param: r.param, lo: r.lo, hi: r.hi.slice(0, 4) }));
    // Without a village, the address is keyed by its commune codes (2025 and former): the report tells the commune from elsewhere.
    expect(residence.sort((x, y) => x.lo.localeCompare(y.lo) || x.param.localeCompare(y.param))).toEqual([
      { param: `residence-thuong-tru$${a.code}`, lo: '1999-12-31T17:00:00.000Z', hi: '2025' },
      { param: `residence-tam-tru$${b.code}`, lo: '2025-03-31T17:00:00.000Z', hi: '9999' },
      { param: 'residence-tam-tru$15313', lo: '2025-12-31T17:00:00.000Z', hi: '9999' },
      { param: 'residence-tam-tru$15316', lo: '2025-12-31T17:00:00.000Z', hi: '9999' },
    ]);
  });
});
