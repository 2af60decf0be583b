import type { AllergyIntolerance, Condition, MedicationRequest, MedicationStatement, Resource } from '@medplum/fhirtypes';
import { fhirFetch, startTestServer, type TestServer } from '../helpers/server';
import { matchIds, search, seed } from './helpers';

// R4's functional lists (lists.html#current) as searches (docs/search.md §4, "_list"). Expected
// answers are picked here from the seeded records by what "current" means to a clinician.
const CLINICAL = 'http://terminology.hl7.org/CodeSystem/condition-clinical';
const VERIFICATION = 'http://terminology.hl7.org/CodeSystem/condition-ver-status';
const ALLERGY_CLINICAL = 'http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical';
const ALLERGY_VERIFICATION = 'http://terminology.hl7.org/CodeSystem/allergyintolerance-verification';

type ConditionCase = [id: string, patient: string, clinical: string, verification?: string];
const CONDITIONS: ConditionCase[] = [
  ['tha', 'a', 'active'], // a visit diagnosis: no verification status
  ['dtd', 'a', 'active', 'confirmed'],
  ['gout-tai-phat', 'a', 'recurrence', 'confirmed'],
  ['cam-khoi', 'a', 'resolved', 'confirmed'],
  ['lao-bac-bo', 'a', 'active', 'refuted'],
  ['hen-b', 'b', 'active', 'confirmed'],
];
const isCurrentProblem = ([, , clinical, verification]: ConditionCase): boolean =>
  ['active', 'recurrence', 'relapse'].includes(clinical) && verification !== 'refuted' && verification !== 'entered-in-error';

type AllergyCase = [id: string, clinical: string, category: 'medication' | 'food', verification?: string];
const ALLERGIES: AllergyCase[] = [
  ['penicillin', 'active', 'medication', 'confirmed'],
  ['tom', 'active', 'food'],
  ['aspirin-cu', 'inactive', 'medication', 'confirmed'],
  ['sulfa-bac-bo', 'active', 'medication', 'refuted'],
];

type MedicationCase = [id: string, type: 'MedicationStatement' | 'MedicationRequest', status: string, intent?: string];
const MEDICATIONS: MedicationCase[] = [
  ['amlodipin-dang-dung', 'MedicationStatement', 'active'],
  ['metformin-tam-ngung', 'MedicationStatement', 'on-hold'],
  ['khang-sinh-xong', 'MedicationStatement', 'completed'],
  ['don-amlodipin', 'MedicationRequest', 'active', 'order'],
  ['don-cu', 'MedicationRequest', 'completed', 'order'],
  ['ke-hoach', 'MedicationRequest', 'active', 'plan'],
];

const coded = (system: string, code: string) => ({ coding: [{ system, code }] });

describe('_list functional lists', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
    const patients: Resource[] = ['a', 'b'].map((id) => ({ resourceType: 'Patient', id }));
    const conditions = CONDITIONS.map(([id, patient, clinical, verification]): Condition => ({
      resourceType: 'Condition',
      id,
      subject: { reference: `Patient/${patient}` },
      clinicalStatus: coded(CLINICAL, clinical),
      ...(verification && { verificationStatus: coded(VERIFICATION, verification) }),
    }));
    const allergies = ALLERGIES.map(([id, clinical, category, verification]): AllergyIntolerance => ({
      resourceType: 'AllergyIntolerance',
      id,
      patient: { reference: 'Patient/a' },
      category: [category],
      clinicalStatus: coded(ALLERGY_CLINICAL, clinical),
      ...(verification && { verificationStatus: coded(ALLERGY_VERIFICATION, verification) }),
    }));
    const medications = MEDICATIONS.map(([id, resourceType, status, intent]): MedicationStatement | MedicationRequest =>
      resourceType === 'MedicationStatement'
        ? { resourceType, id, status: status as MedicationStatement['status'], subject: { reference: 'Patient/a' }, medicationCodeableConcept: { text: id } }
        : { resourceType, id, status: status as MedicationRequest['status'], intent: intent as MedicationRequest['intent'], subject: { reference: 'Patient/a' }, medicationCodeableConcept: { text: id } },
    );
    await seed(server, [...patients, ...conditions, ...allergies, ...medications]);
  });
  afterAll(() => server.close());

  test('$current-problems: a resident\'s active, recurring or relapsed conditions not refuted', async () => {
    const expected = CONDITIONS.filter((c) => c[1] === 'a' && isCurrentProblem(c)).map((c) => c[0]).sort();
    expect(expected).toEqual(['dtd', 'gout-tai-phat', 'tha']);
    expect(await matchIds(server, 'Condition?patient=Patient/a&_list=$current-problems')).toEqual(expected);
    expect(await matchIds(server, 'Patient/a/Condition?_list=$current-problems')).toEqual(expected);
    // For staff, across the station.
    expect(await matchIds(server, 'Condition?_list=$current-problems')).toEqual(CONDITIONS.filter(isCurrentProblem).map((c) => c[0]).sort());
  });

  test('$current-allergies and $current-drug-allergies', async () => {
    const current = ALLERGIES.filter(([, clinical, , verification]) => clinical === 'active' && verification !== 'refuted');
    expect(await matchIds(server, 'AllergyIntolerance?patient=Patient/a&_list=$current-allergies')).toEqual(current.map((a) => a[0]).sort());
    expect(await matchIds(server, 'AllergyIntolerance?patient=Patient/a&_list=$current-drug-allergies')).toEqual(current.filter((a) => a[2] === 'medication').map((a) => a[0]));
  });

  test('$current-medications: what is being taken, and the active orders', async () => {
    const statements = MEDICATIONS.filter(([, type, status]) => type === 'MedicationStatement' && ['active', 'intended', 'on-hold'].includes(status));
    const orders = MEDICATIONS.filter(([, type, status, intent]) => type === 'MedicationRequest' && ['active', 'on-hold'].includes(status) && intent !== 'plan' && intent !== 'proposal');
    expect(await matchIds(server, 'MedicationStatement?subject=Patient/a&_list=$current-medications')).toEqual(statements.map((m) => m[0]).sort());
    expect(await matchIds(server, 'MedicationRequest?subject=Patient/a&_list=$current-medications')).toEqual(orders.map((m) => m[0]));
  });

  test('the self link keeps the list; an unknown list is reported as ignored', async () => {
    const bundle = await search(server, 'Condition?patient=Patient/a&_list=$current-problems');
    expect(bundle.link?.find((l) => l.relation === 'self')?.url).toContain('_list=%24current-problems');
    const unknown = await search(server, 'Condition?_list=$current-surprises');
    expect(unknown.entry?.filter((e) => e.search?.mode === 'match')).toHaveLength(CONDITIONS.length);
    const outcome = unknown.entry?.find((e) => e.search?.mode === 'outcome')?.resource as any;
    expect(outcome.issue[0].diagnostics).toContain('_list');
    const strict = await fhirFetch(`${server.baseUrl}/Condition?_list=$current-surprises`, { headers: { prefer: 'handling=strict' } });
    expect(strict.status).toBe(400);
  });

  test('a list on a type it does not list, or mixed with others, is a 400', async () => {
    for (const query of ['Observation?_list=$current-problems', '?_list=$current-allergies', 'Condition?_list=$current-problems,42', 'Condition?_list=42,$current-problems']) {
      const res = await fhirFetch(`${server.baseUrl}/${query}`);
      expect([query, res.status]).toEqual([query, 400]);
      expect(res.body.issue[0].diagnostics).toMatch(/functional list/);
    }
  });
});
