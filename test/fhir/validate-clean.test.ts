import fs from 'node:fs';
import path from 'node:path';
import { getDataType, OperationOutcomeError, validateResource } from '@medplum/core';
import type { Bundle, OperationOutcomeIssue, Resource } from '@medplum/fhirtypes';
import { loadR4Definitions } from '../../src/fhir/definitions';
import { HOLDS_WITHOUT, provablyClean } from '../../src/fhir/validate/clean';
import { SHARED_DIR } from '../station/shared';

// The precompiled walk (src/fhir/validate/clean.ts) may only answer "clean" where @medplum/core's
// validator finds no issue at all: otherwise validation would let through what it refused. Checked
// on every resource of the R4 examples and the Synthea bundles, and on one broken resource per
// kind of issue the validator reports.

const EXAMPLES_DIR = path.join(SHARED_DIR, 'fhir-data/fhir-r4-spec-examples/examples');
const SYNTHEA_DIR = path.join(SHARED_DIR, 'fhir-data/synthea-r4-smart/bundles');

/** The validator's issues, whether it returns or throws them. */
function medplumIssues(resource: Resource): OperationOutcomeIssue[] {
  try {
    return validateResource(resource);
  } catch (err) {
    if (err instanceof OperationOutcomeError) return err.outcome.issue ?? [];
    throw err;
  }
}

const patient = (extra: Record<string, unknown> = {}): Resource =>
  ({ resourceType: 'Patient', id: 'p1', name: [{ family: 'Nguyễn', given: ['Thị', 'Thư'] }], gender: 'female', birthDate: '1990-05-12', ...extra }) as Resource;

const observation = (extra: Record<string, unknown> = {}): Resource =>
  ({
    resourceType: 'Observation',
    status: 'final',
    code: { coding: [{ system: 'http://loinc.org', code: '8302-2' }] },
    subject: { reference: 'Patient/p1' },
    valueQuantity: { value: 98.5, unit: 'cm', system: 'http://unitsofmeasure.org', code: 'cm' },
    ...extra,
  }) as Resource;

describe('provablyClean: never clean where the validator finds an issue', () => {
  beforeAll(() => loadR4Definitions());

  test('clean resources are proven clean (the fast path is taken)', () => {
    for (const r of [patient(), observation()]) {
      expect(medplumIssues(r)).toEqual([]);
      expect(provablyClean(r)).toBe(true);
    }
  });

  const broken: [string, Resource][] = [
    ['an unknown element', patient({ nickname: 'Thư' })],
    ['a missing required element', { resourceType: 'Observation', code: { text: 'height' } } as Resource],
    ['a wrong JSON type', patient({ gender: 1 })],
    ['a malformed date', patient({ birthDate: '12/05/1990' })],
    ['a string of blanks', patient({ gender: ' ' })],
    ['a number that must be an integer', patient({ multipleBirthInteger: 1.5 })],
    ['a failed invariant', patient({ contact: [{ gender: 'male' }] })],
    ['a null', patient({ deceasedBoolean: null })],
    ['a single value where an array belongs', patient({ name: { family: 'Nguyễn' } })],
    ['an array where a single value belongs', patient({ gender: ['female'] })],
    ['two types of one choice element', patient({ deceasedBoolean: false, deceasedDateTime: '2020-01-01' })],
    ['a reference to a type the element does not allow', observation({ subject: { reference: 'Medication/m1' } })],
    ['an empty object in an array', patient({ identifier: [{}] })],
    ['a contained resource with an unknown element', patient({ contained: [{ resourceType: 'Organization', id: 'o1', colour: 'red' }] })],
    // Invariants the walk skips when their element is absent (HOLDS_WITHOUT), with it present:
    ['a contained resource containing another (dom-2)', patient({ contained: [{ resourceType: 'Organization', id: 'o1', contained: [{ resourceType: 'Organization', id: 'o2' }] }], managingOrganization: { reference: '#o1' } })],
    ['a contained resource with a version (dom-4)', patient({ contained: [{ resourceType: 'Organization', id: 'o1', meta: { versionId: '2' } }], managingOrganization: { reference: '#o1' } })],
    ['a contained resource with a security label (dom-5)', patient({ contained: [{ resourceType: 'Organization', id: 'o1', meta: { security: [{ code: 'R' }] } }], managingOrganization: { reference: '#o1' } })],
    ['a value with a reason for its absence (obs-6)', observation({ dataAbsentReason: { text: 'không đo được' } })],
    [
      'an abated condition still active (con-4)',
      {
        resourceType: 'Condition',
        subject: { reference: 'Patient/p1' },
        clinicalStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: 'active' }] },
        abatementDateTime: '2024-01-01',
      } as Resource,
    ],
    [
      'a condition entered in error with a clinical status (con-5)',
      {
        resourceType: 'Condition',
        subject: { reference: 'Patient/p1' },
        clinicalStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: 'active' }] },
        verificationStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-ver-status', code: 'entered-in-error' }] },
      } as Resource,
    ],
  ];

  test.each(broken)('%s: the validator reports it, the walk does not prove it clean', (_kind, resource) => {
    expect(medplumIssues(resource).length).toBeGreaterThan(0);
    expect(provablyClean(resource)).toBe(false);
  });

  test('each invariant skipped without its element is one the definitions hold, word for word', () => {
    const expressions = new Set<string>();
    for (const type of ['DomainResource', 'Observation', 'Condition']) for (const c of getDataType(type).constraints ?? []) if (c.severity === 'error') expressions.add(c.expression);
    for (const expression of HOLDS_WITHOUT.keys()) expect(expressions).toContain(expression);
    // Without the element the walk still proves a resource clean.
    const condition = { resourceType: 'Condition', subject: { reference: 'Patient/p1' }, clinicalStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: 'active' }] } } as Resource;
    expect(medplumIssues(condition)).toEqual([]);
    expect(provablyClean(condition)).toBe(true);
    // With it, the walk evaluates the invariant and agrees with the validator (obs-7: a component
    // repeating the observation's code beside a value, which @medplum/core lets pass).
    const panel = observation({ component: [{ code: { coding: [{ system: 'http://loinc.org', code: '8302-2' }] }, valueQuantity: { value: 1 } }] });
    expect(provablyClean(panel)).toBe(medplumIssues(panel).length === 0);
  });

  test('a primitive extension goes to the validator (the walk does not merge it)', () => {
    expect(provablyClean(patient({ _birthDate: { extension: [{ url: 'http://example.org/x', valueString: 'x' }] } }))).toBe(false);
  });
});

function* samples(): Generator<[source: string, resource: Resource, synthea: boolean]> {
  for (const file of fs.readdirSync(EXAMPLES_DIR).filter((f) => f.endsWith('.json')).sort()) {
    const resource = JSON.parse(fs.readFileSync(path.join(EXAMPLES_DIR, file), 'utf8')) as Resource;
    yield [file, resource, false];
    if (resource.resourceType === 'Bundle') for (const [i, e] of (resource.entry ?? []).entries()) if (e.resource) yield [`${file}#entry${i}`, e.resource, false];
  }
  for (const file of fs.readdirSync(SYNTHEA_DIR).filter((f) => f.endsWith('.json')).sort()) {
    const bundle = JSON.parse(fs.readFileSync(path.join(SYNTHEA_DIR, file), 'utf8')) as Bundle;
    for (const [i, resource] of asWritten(bundle).entries()) yield [`${file}#entry${i}`, resource, true];
  }
}

/** A transaction's resources as the server validates them: `urn:uuid:` references rewritten to `Type/id`. */
function asWritten(bundle: Bundle): Resource[] {
  const ids = new Map((bundle.entry ?? []).map((e) => [e.fullUrl, `${e.resource!.resourceType}/${e.fullUrl!.slice('urn:uuid:'.length)}`]));
  const text = JSON.stringify((bundle.entry ?? []).map((e) => e.resource));
  return JSON.parse(text.replace(/"reference":"(urn:uuid:[^"]+)"/g, (whole, url: string) => (ids.has(url) ? `"reference":"${ids.get(url)}"` : whole))) as Resource[];
}

const HAS_DATA = fs.existsSync(EXAMPLES_DIR) && fs.existsSync(SYNTHEA_DIR);
const describeWithData = HAS_DATA
  ? describe
  : (((name: string, fn: () => void) => describe.skip(`${name} (skipped: ${EXAMPLES_DIR} or ${SYNTHEA_DIR} is absent)`, fn)) as unknown as jest.Describe);

describeWithData('provablyClean against the validator, on the R4 examples and Synthea', () => {
  beforeAll(() => loadR4Definitions());

  test('every resource proven clean has no issue from the validator; most Synthea resources are proven', () => {
    const wrong: string[] = [];
    let synthea = 0;
    let syntheaProven = 0;
    for (const [source, resource, fromSynthea] of samples()) {
      const proven = provablyClean(resource);
      if (fromSynthea) {
        synthea++;
        if (proven) syntheaProven++;
      }
      if (!proven) continue;
      const issues = medplumIssues(resource);
      if (issues.length) wrong.push(`${source}: ${issues.map((i) => `${i.expression?.[0]} ${i.details?.text ?? i.diagnostics}`).join('; ')}`.slice(0, 300));
    }
    expect(wrong).toEqual([]);
    // The walk exists to spare the validator's cost: it must keep proving the common case.
    expect(syntheaProven / synthea).toBeGreaterThan(0.9);
  });
});
