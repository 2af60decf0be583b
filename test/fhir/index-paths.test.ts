import fs from 'node:fs';
import path from 'node:path';
import { evalFhirPathTyped, parseFhirPath, toTypedValue, type TypedValue } from '@medplum/core';
import type { Bundle, Resource, SearchParameter } from '@medplum/fhirtypes';
import { extendDefinitions, loadR4Definitions, type R4Definitions } from '../../src/fhir/definitions';
import { compositeParts } from '../../src/fhir/index/composite';
import { compiledExpression, type CompiledMember } from '../../src/fhir/index/expressions';
import { extractIndexRows, type ExtractContext } from '../../src/fhir/index/extract';
import { compileExistsNotFalse, compilePlainPath } from '../../src/fhir/index/paths';
import { stringRowKeys } from '../../src/fhir/index/string-keys';
import { INDEX_TABLES } from '../../src/fhir/index/tables';
import { loadConformancePack } from '../../src/fhir/validate/profiles';
import { builtPackDir } from '../station/helpers';
import { SHARED_DIR } from '../station/shared';

// The plain-path walk (src/fhir/index/paths.ts) must give exactly what the FHIRPath engine gives
// — same values (the same objects), same types, same order — or extraction would index something
// else than it did. Checked member by member, then row by row, on every resource of the R4
// examples and the Synthea bundles, against the engine itself.

const EXAMPLES_DIR = path.join(SHARED_DIR, 'fhir-data/fhir-r4-spec-examples/examples');
const SYNTHEA_DIR = path.join(SHARED_DIR, 'fhir-data/synthea-r4-smart/bundles');

let defs: R4Definitions | undefined;
/** R4 plus our own parameters (fhir-profiles/), as the server extracts with. */
function definitions(): R4Definitions {
  defs ??= extendDefinitions(loadR4Definitions(), loadConformancePack(builtPackDir()));
  return defs;
}

const ctx = (): ExtractContext => ({ defs: definitions(), timeZone: 'Asia/Ho_Chi_Minh', baseUrl: 'http://localhost:8080/fhir' });

/** Parameters extraction evaluates (extract.ts skips the rest). */
function indexedParams(resourceType: string): SearchParameter[] {
  const skipped = new Set(['_id', '_lastUpdated', '_text', '_content', '_list', '_has', '_query', '_filter', '_type']);
  return [...(definitions().searchParams.get(resourceType)?.values() ?? [])].filter(
    (sp) => !skipped.has(sp.code!) && !!sp.expression && sp.type !== 'special',
  );
}

/**
 * The engine's answer as extraction takes it: a throw indexes nothing, and a value null or
 * undefined (a null array item) is skipped by every extractor — the walk does not yield those.
 */
function engine(atom: CompiledMember['atom'] | string, input: TypedValue[]): TypedValue[] {
  try {
    return evalFhirPathTyped(atom, input).filter((tv) => tv.value !== undefined && tv.value !== null);
  } catch {
    return [];
  }
}

/** Identical: same length, and each value the same type and the same value (=== : the same JSON object). */
function sameValues(a: TypedValue[], b: TypedValue[]): boolean {
  return a.length === b.length && a.every((tv, i) => tv.type === b[i].type && tv.value === b[i].value);
}

const show = (values: TypedValue[]): string => JSON.stringify(values.map((tv) => [tv.type, tv.value])).slice(0, 300);

describe('plain-path walk: what it compiles', () => {
  // Steps are resolved in @medplum/core's type registry, which loading the definitions fills.
  beforeAll(() => definitions());
  const compile = (text: string, type: string) => compilePlainPath(parseFhirPath(text), type);
  const patient = {
    resourceType: 'Patient',
    name: [{ family: 'Nguyễn', given: ['Thị', 'Thư'] }, {}, { text: 'Thư' }],
    maritalStatus: {},
    gender: '',
    birthDate: '1990-01-01',
  };

  test('plain paths, with ofType/as, at any parenthesising, and where(field = text)', () => {
    for (const [text, type] of [
      ["Patient.telecom.where(system='phone')", 'Patient'],
      ["Patient.extension.where(url = 'http://example.org/x').value", 'Patient'],
      ['Patient.name', 'Patient'],
      ['Patient.name.given', 'Patient'],
      ['Observation.value.ofType(Quantity)', 'Observation'],
      ['(Observation.value as Quantity)', 'Observation'],
      ['(Observation.value as CodeableConcept).text', 'Observation'],
      ['Observation.component.code', 'Observation'],
      ['Observation', 'Observation'],
    ]) {
      expect(compile(text, type)).toBeDefined();
    }
    expect(compile('Patient.name', 'Patient')!.type).toBe('HumanName');
    expect(compile('Observation.value', 'Observation')!.type).toBeUndefined(); // a choice: one of several types
  });

  test('anything else is left to FHIRPath', () => {
    for (const text of [
      "Patient.telecom.where(system!='phone')",
      'Patient.telecom.where(rank = 1)',
      "Patient.address.where(extension.where(url = 'x').exists())",
      "Patient.telecom.where(period = 'x')", // not a text field
      'Patient.deceased.exists() and Patient.deceased != false',
      'Bundle.entry[0].resource',
      'Patient.name.first()',
      '%resource.id',
      'Patient.nosuchelement',
      'Observation.value.ofType(FHIR.Quantity)',
      'Bundle.entry.resource.id', // Resource: the next step's type is only known at run time
    ]) {
      expect(compile(text, text.startsWith('Bundle') ? 'Bundle' : text.startsWith('Observation') ? 'Observation' : 'Patient')).toBeUndefined();
    }
  });

  test('`X.exists() and X != false` (Patient.deceased) gives the engine’s boolean, and leaves it what the walk cannot read', () => {
    const text = '(Patient.deceased.exists() and (Patient.deceased != false))';
    const compiled = compileExistsNotFalse(parseFhirPath(text), 'Patient')!;
    expect(compiled).toBeDefined();
    const cases: [Record<string, unknown>, boolean | undefined][] = [
      [{}, false],
      [{ deceasedBoolean: true }, true],
      [{ deceasedBoolean: false }, false],
      [{ deceasedDateTime: '2020-01-02' }, true],
      [{ _deceasedBoolean: { extension: [{ url: 'http://example.org/x', valueString: 'y' }] } }, undefined],
      [{ deceasedBoolean: false, _deceasedBoolean: { id: 'a' } }, undefined],
    ];
    for (const [fields, expected] of cases) {
      const input = [toTypedValue({ resourceType: 'Patient', ...fields })];
      const walked = compiled.evaluate(input);
      expect(walked?.map((tv) => tv.value)[0]).toBe(expected);
      // Where it answers, the engine answers the same; where it does not, extraction asks the engine.
      if (walked) expect(walked).toEqual(engine(text, input));
    }
    for (const other of ['Patient.deceased.exists() and Patient.active != false', 'Patient.deceased.exists() or Patient.deceased != false', 'Patient.deceased.exists() and Patient.deceased != true', 'Patient.deceased.empty() and Patient.deceased != false']) {
      expect(compileExistsNotFalse(parseFhirPath(other), 'Patient')).toBeUndefined();
    }
  });

  test('gives the engine’s values: array items as they are, an empty single value dropped; falls back on primitive extensions', () => {
    const input = [toTypedValue(patient)];
    const names = compile('Patient.name', 'Patient')!.evaluate(input)!;
    expect(names).toEqual(engine('Patient.name', input));
    expect(names.map((tv) => tv.type)).toEqual(['HumanName', 'HumanName', 'HumanName']);
    expect(compile('Patient.name.given', 'Patient')!.evaluate(input)).toEqual(engine('Patient.name.given', input));
    for (const text of ['Patient.maritalStatus', 'Patient.gender']) {
      expect(compile(text, 'Patient')!.evaluate(input)).toEqual([]);
      expect(evalFhirPathTyped(text, input)).toEqual([]);
    }
    const withExtension = [toTypedValue({ ...patient, _birthDate: { extension: [{ url: 'http://hl7.org/fhir/StructureDefinition/patient-birthTime', valueDateTime: '1990-01-01T08:00:00+07:00' }] } })];
    expect(compile('Patient.birthDate', 'Patient')!.evaluate(withExtension)).toBeUndefined();
    expect(compile('Patient.name', 'Patient')!.evaluate(withExtension)).toHaveLength(3);
    const extensionOnly = [toTypedValue({ resourceType: 'Patient', _birthDate: { extension: [{ url: 'http://example.org/unknown', valueCode: 'asked-unknown' }] } })];
    expect(compile('Patient.birthDate', 'Patient')!.evaluate(extensionOnly)).toBeUndefined();
  });

  const VILLAGE = 'http://commune-ehr.example/fhir/StructureDefinition/address-village';
  /** Cases the walk hands back to the engine at run time. */
  const LEFT_TO_ENGINE = [
    'a field named like the value’s resourceType (the engine yields the value)',
    'where(field = text) on a field with extensions (the engine merges them)',
    'where(field = text) on an invalid array field',
  ];

  // Cases the examples and Synthea do not exercise (checked there: every value the walk gives is the engine's).
  test.each([
    ['a choice written twice (invalid): the first type in definition order wins', 'Observation.value', { resourceType: 'Observation', valueString: 'x', valueQuantity: { value: 1 } }],
    ['a choice narrowed by ofType', 'Observation.value.ofType(string)', { resourceType: 'Observation', valueString: 'x' }],
    ['a Resource-typed element takes each resource’s own type', 'Bundle.entry.resource', { resourceType: 'Bundle', entry: [{ resource: { resourceType: 'Patient' } }, { resource: { resourceType: 'Observation' } }] }],
    ['a Resource-typed array', 'Patient.contained', { resourceType: 'Patient', contained: [{ resourceType: 'Organization' }, { resourceType: 'Practitioner' }] }],
    ['ofType on a Resource-typed element', 'Bundle.entry.resource.ofType(Patient)', { resourceType: 'Bundle', entry: [{ resource: { resourceType: 'Patient' } }, { resource: { resourceType: 'Observation' } }] }],
    ['null items and nested empties', 'Patient.name.given', { resourceType: 'Patient', name: [{ given: [null, '', 'Thư'] }, null, { given: [] }] }],
    ['a field named like the value’s resourceType (the engine yields the value)', 'Patient.contact.name', { resourceType: 'Patient', contact: [{ resourceType: 'name' }] }],
    ['where(field = text): the matches, in order; a missing field is no match', "Patient.telecom.where(system='phone')", { resourceType: 'Patient', telecom: [{ system: 'phone', value: '1' }, { value: '2' }, { system: 'email', value: '3' }, { system: 'phone', value: '4' }, { system: 'Phone', value: '5' }] }],
    ['where(field = text) then a choice: an extension parameter', `Patient.address.extension.where(url = '${VILLAGE}').value`, { resourceType: 'Patient', address: [{ extension: [{ url: 'other', valueString: 'x' }, { url: VILLAGE, valueCoding: { code: 'v1' } }] }, { city: 'Hà Sơn' }, { extension: [{ url: VILLAGE, valueCode: 'v2' }] }] }],
    ['where(field = text) on a field with extensions (the engine merges them)', "Patient.telecom.where(system='phone')", { resourceType: 'Patient', telecom: [{ system: 'phone', _system: { extension: [{ url: 'x', valueString: 'y' }] } }] }],
    ['where(field = text) on an invalid array field', "Patient.telecom.where(system='phone')", { resourceType: 'Patient', telecom: [{ system: ['phone', 'email'] }] }],
  ])('%s', (_, text, resource) => {
    const input = [toTypedValue(resource)];
    const path = compile(text, resource.resourceType)!;
    const walked = path.evaluate(input);
    if (walked) expect(walked).toEqual(engine(text, input));
    else expect(LEFT_TO_ENGINE).toContain(_); // left to the engine, which answers it
  });
});

interface Sample {
  source: string;
  resource: Resource;
}

function* samples(): Generator<Sample> {
  if (fs.existsSync(EXAMPLES_DIR)) {
    for (const file of fs.readdirSync(EXAMPLES_DIR).filter((f) => f.endsWith('.json')).sort()) {
      const resource = JSON.parse(fs.readFileSync(path.join(EXAMPLES_DIR, file), 'utf8')) as Resource;
      yield { source: file, resource };
      // An example Bundle holds more examples (a searchset, a document…): each is indexed on its own when written.
      if (resource.resourceType === 'Bundle') {
        for (const [i, e] of (resource.entry ?? []).entries()) if (e.resource) yield { source: `${file}#entry${i}`, resource: e.resource };
      }
    }
  }
  if (fs.existsSync(SYNTHEA_DIR)) {
    for (const file of fs.readdirSync(SYNTHEA_DIR).filter((f) => f.endsWith('.json')).sort()) {
      const bundle = JSON.parse(fs.readFileSync(path.join(SYNTHEA_DIR, file), 'utf8')) as Bundle;
      for (const [i, e] of (bundle.entry ?? []).entries()) if (e.resource) yield { source: `${file}#entry${i}`, resource: e.resource };
    }
  }
}

const HAS_DATA = fs.existsSync(EXAMPLES_DIR) && fs.existsSync(SYNTHEA_DIR);
const describeWithData = HAS_DATA
  ? describe
  : (((name: string, fn: () => void) => describe.skip(`${name} (skipped: ${EXAMPLES_DIR} or ${SYNTHEA_DIR} is absent)`, fn)) as unknown as jest.Describe);
if (!HAS_DATA) console.warn(`Skipping the plain-path walk checks on data: ${EXAMPLES_DIR} or ${SYNTHEA_DIR} is absent`);

describeWithData('plain-path walk against the FHIRPath engine, on the R4 examples and Synthea', () => {
  test('coverage of the search parameter members', () => {
    let members = 0;
    let walked = 0;
    for (const type of definitions().searchParams.keys()) {
      for (const sp of indexedParams(type)) {
        for (const member of compiledExpression(sp, type)) {
          members++;
          if (member.path) walked++;
        }
      }
    }
    console.log(`plain-path walk: ${walked} of ${members} search parameter members (${((100 * walked) / members).toFixed(1)}%), over every type's indexed parameters`);
    expect(walked / members).toBeGreaterThan(0.9);
  });

  test('every member the walk handles gives exactly the engine’s values, types and order', () => {
    const mismatches: string[] = [];
    let resources = 0;
    let compared = 0;
    let nonEmpty = 0;
    let fellBack = 0;
    let engineOnly = 0;
    let components = 0;
    const check = (where: string, walkedValues: TypedValue[] | undefined, reference: TypedValue[]): void => {
      if (walkedValues === undefined) {
        fellBack++;
        return;
      }
      compared++;
      if (reference.length) nonEmpty++;
      if (!sameValues(walkedValues, reference) && mismatches.length < 20) mismatches.push(`${where}: walk ${show(walkedValues)} engine ${show(reference)}`);
    };
    for (const { source, resource } of samples()) {
      resources++;
      const input = [toTypedValue(resource)];
      for (const sp of indexedParams(resource.resourceType)) {
        for (const member of compiledExpression(sp, resource.resourceType)) {
          const reference = engine(member.atom, input);
          if (!member.path) {
            engineOnly++;
            continue;
          }
          check(`${source} ${sp.code} ${member.atom.original}`, member.path.evaluate(input), reference);
          // A composite's components are walked per element, from the element's type.
          const parts = sp.type === 'composite' ? compositeParts(sp, definitions()) : undefined;
          for (const element of parts ? reference : []) {
            for (const component of [...parts!.firstMembers, ...parts!.secondMembers]) {
              const walk = compilePlainPath(component.atom, element.type);
              if (!walk) continue;
              components++;
              check(`${source} ${sp.code} ${member.atom.original} → ${component.atom.original}`, walk.evaluate([element]), engine(component.atom, [element]));
            }
          }
        }
      }
    }
    console.log(
      `plain-path walk on ${resources} resources: ${compared} member evaluations compared (${nonEmpty} with values, ` +
        `${components} of them composite components), ${fellBack} left to FHIRPath at run time (primitive extensions), ` +
        `${engineOnly} evaluations of members FHIRPath keeps`,
    );
    expect(resources).toBeGreaterThan(10_000);
    expect(nonEmpty).toBeGreaterThan(100_000);
    expect(mismatches).toEqual([]);
  });

  // Updates and the re-index find a resource's old string rows by these keys (src/fhir/index/string-keys.ts):
  // a row under any other key would outlive its resource's next version.
  test('every string row is under a key its type lists, or a composite key', () => {
    const strays = new Set<string>();
    let rows = 0;
    for (const { source, resource } of samples()) {
      if (!definitions().searchParams.has(resource.resourceType)) continue;
      const extracted = extractIndexRows(resource, ctx());
      const keys = new Set(stringRowKeys(definitions(), resource.resourceType));
      for (const row of [...extracted.string, ...(extracted.rowSet?.string ?? [])]) {
        rows++;
        if (!keys.has(row.param) && !row.param.includes('$')) strays.add(`${resource.resourceType}.${row.param} (${source})`);
      }
    }
    console.log(`string keys: ${rows} string rows of the examples and Synthea checked`);
    expect(rows).toBeGreaterThan(10_000);
    expect([...strays]).toEqual([]);
  });

  test('extractIndexRows gives the same rows with and without the walk', () => {
    const differences: string[] = [];
    let resources = 0;
    let rows = 0;
    for (const { source, resource } of samples()) {
      if (!definitions().searchParams.has(resource.resourceType)) continue;
      resources++;
      const walked = extractIndexRows(resource, ctx());
      const reference = extractIndexRows(resource, { ...ctx(), fhirPathOnly: true });
      rows += INDEX_TABLES.reduce((n, t) => n + reference[t.table].length, 0) + (reference.rowSet ? reference.rowSet.token.length + reference.rowSet.string.length : 0);
      if (JSON.stringify(walked) !== JSON.stringify(reference) && differences.length < 10) {
        differences.push(`${source}: ${JSON.stringify(walked).slice(0, 300)} vs ${JSON.stringify(reference).slice(0, 300)}`);
      }
    }
    console.log(`extractIndexRows: ${resources} resources, ${rows} rows, identical with and without the walk`);
    expect(rows).toBeGreaterThan(100_000);
    expect(differences).toEqual([]);
  });
});
