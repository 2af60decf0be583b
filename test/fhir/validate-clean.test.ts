import fs from 'node:fs';
import path from 'node:path';
import { OperationOutcomeError, validateResource } from '@medplum/core';
import type { Bundle, OperationOutcomeIssue, Resource } from '@medplum/fhirtypes';
import { loadR4Definitions } from '../../src/fhir/definitions';
import { provablyClean } from '../../src/fhir/validate/clean';
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
  ];

  test.each(broken)('%s: the validator reports it, the walk does not prove it clean', (_kind, resource) => {
    expect(medplumIssues(resource).length).toBeGreaterThan(0);
    expect(provablyClean(resource)).toBe(false);
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
