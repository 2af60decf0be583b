import { getDataType, tryGetDataType, type InternalTypeSchema } from '@medplum/core';
import { loadR4Definitions } from '../../src/fhir/definitions';
import { CARER_MAY_FILL, WHO_ASKS } from '../../src/fhir/store/own-requests';
import { RESIDENT_WRITES } from '../../src/fhir/store/own-types';

/**
 * The fields a carer's own RelatedPerson may fill (src/fhir/store/own-requests.ts CARER_MAY_FILL)
 * are "who" fields the own-name rule checks, of types a resident's app writes, whose R4 definition
 * takes a RelatedPerson — read from the definitions, not restated here.
 */
loadR4Definitions();

/** The target types of the Reference at `path` (JSON names, through datatypes and backbone elements) of `type`. */
function targetsOf(type: string, path: string): string[] {
  const outer = getDataType(type);
  let schema: InternalTypeSchema = outer;
  const segments = path.split('.');
  for (const [i, segment] of segments.entries()) {
    const match = Object.entries(schema.elements).flatMap(([name, element]) =>
      element.type.filter((t) => (name.endsWith('[x]') ? name.slice(0, -3) + t.code[0].toUpperCase() + t.code.slice(1) : name) === segment).map((t) => ({ element, t })),
    )[0];
    if (!match) throw new Error(`${type}.${path}: no element ${segment}`);
    if (i === segments.length - 1) {
      if (match.t.code !== 'Reference') throw new Error(`${type}.${path} is no Reference`);
      return (match.t.targetProfile ?? []).map((p) => p.split('/').pop()!);
    }
    const inner =
      match.t.code === 'BackboneElement' || match.t.code === 'Element'
        ? [...Object.values(schema.innerTypes ?? {}), ...Object.values(outer.innerTypes ?? {})].find((x) => x.path === match.element.path)
        : tryGetDataType(match.t.code);
    if (!inner) throw new Error(`${type}.${path}: cannot enter ${segment}`);
    schema = inner;
  }
  return [];
}

const entries = Object.entries(CARER_MAY_FILL).flatMap(([type, fields]) => fields.map((field) => [type, field] as const));

test.each(entries)('%s.%s is a who-field the own-name rule checks', (type, field) => {
  expect([...(WHO_ASKS[type] ?? [])]).toContain(field);
});

test.each(entries.filter(([type]) => type !== '*'))('%s is a type a resident’s app writes, and %s takes a RelatedPerson in R4', (type, field) => {
  expect(Object.keys(RESIDENT_WRITES)).toContain(type);
  expect(targetsOf(type, field)).toContain('RelatedPerson');
});

test('an Annotation’s author takes a RelatedPerson in R4 (the * entry)', () => {
  expect(targetsOf('Observation', 'note.authorReference')).toContain('RelatedPerson');
});

test('fields a practitioner or organization fills are not the carer’s', () => {
  expect(targetsOf('DocumentReference', 'authenticator')).not.toContain('RelatedPerson');
  expect(CARER_MAY_FILL.DocumentReference).not.toContain('authenticator');
});
