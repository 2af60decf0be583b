import { policyFor } from '../../src/auth/policy';
import { loadR4Definitions } from '../../src/fhir/definitions';
import { RESIDENT_WRITES } from '../../src/fhir/store/own-types';

/**
 * The allow-list of what a resident's app writes directly (src/fhir/store/own-types.ts) names only
 * what a resident's token can reach: a type of the Patient compartment (or the Patient itself)
 * that the policy lets a `patient/*.cruds` token write, for each action listed — so the list
 * cannot silently name a type (or a misspelt one) the app could never write anyway.
 */
describe("the resident's write allow-list", () => {
  const defs = loadR4Definitions();
  const compartment = new Set(defs.patientCompartment.keys());
  const policy = policyFor({ sub: 'a', client_id: 'app', scope: 'launch/patient patient/*.cruds', grant: 'g', patient: 'p', kind: 'resident' }, compartment);

  test.each(Object.entries(RESIDENT_WRITES))('%s is in the Patient compartment, writable under the policy, with a reason', (type, { actions, why }) => {
    expect(type === 'Patient' || compartment.has(type)).toBe(true);
    expect(actions.length).toBeGreaterThan(0);
    for (const action of actions) {
      expect(['c', 'u', 'd']).toContain(action);
      expect([type, action, policy.allows(type, action)]).toEqual([type, action, true]);
    }
    expect(why.length).toBeGreaterThan(10);
  });

  test('it is short: the e-health app’s own flows, not the chart', () => {
    expect(Object.keys(RESIDENT_WRITES).sort()).toEqual(
      ['AllergyIntolerance', 'Appointment', 'Communication', 'DocumentReference', 'Media', 'MedicationStatement', 'Observation', 'Patient', 'QuestionnaireResponse'],
    );
  });
});
