import { getDataType, tryGetDataType, type InternalTypeSchema } from '@medplum/core';
import { policyFor } from '../../src/auth/policy';
import { loadR4Definitions } from '../../src/fhir/definitions';
import { NOT_WHO, WHO_ASKS } from '../../src/fhir/store/own-requests';
import { ABOUT, ABOUT_ITSELF } from '../../src/fhir/store/own-subject';

/**
 * Keeps the own-name table complete (src/fhir/store/own-requests.ts, docs/security.md): every
 * Reference element — in the resource or in a datatype or backbone element inside it — of every
 * type a resident's app may write, whose target may be anyone who acts (a Practitioner,
 * PractitionerRole, Organization, CareTeam, HealthcareService, Device, RelatedPerson) or any
 * resource, is either checked (WHO_ASKS, or ABOUT: whom the record is about, own-subject.ts) or
 * listed with a reason (NOT_WHO). A type a resident may write later, or an element forgotten now,
 * fails here until classified.
 */
describe("the own-name table covers every reference a resident's app could fill with staff", () => {
  const defs = loadR4Definitions();
  /** Who can act or author in R4 besides the resident: a team, a service or a device names the station as surely as a practitioner. */
  const WHO = new Set(['Practitioner', 'PractitionerRole', 'Organization', 'CareTeam', 'HealthcareService', 'Device', 'RelatedPerson', 'Resource']);
  /** What the policy lets a resident's token with every scope create or update (nobody writes an AuditEvent through the API). */
  const policy = policyFor({ sub: 'a', client_id: 'app', scope: 'launch/patient patient/*.cruds', grant: 'g', patient: 'p', kind: 'resident' }, new Set(defs.patientCompartment.keys()));
  const writable = [...defs.resourceTypes].filter((t) => (policy.allows(t, 'c') || policy.allows(t, 'u'))).sort();

  /** Every element path of each writable type, and those of staff-capable References, as `Type.path` in JSON names (`note.authorReference`). */
  const elements = new Set<string>();
  function staffReferences(type: string): string[] {
    const found = new Set<string>();
    const walk = (schema: InternalTypeSchema, prefix: string, seen: readonly string[], outer: InternalTypeSchema): void => {
      for (const [name, element] of Object.entries(schema.elements)) {
        if (['extension', 'modifierExtension', 'contained', 'meta', 'text'].includes(name)) continue;
        for (const t of element.type) {
          const segment = name.endsWith('[x]') ? name.slice(0, -3) + t.code[0].toUpperCase() + t.code.slice(1) : name;
          const path = prefix ? `${prefix}.${segment}` : segment;
          elements.add(`${type}.${path}`);
          if (t.code === 'Reference') {
            const targets = (t.targetProfile ?? []).map((p) => p.split('/').pop()!);
            if (targets.length === 0 || targets.some((target) => WHO.has(target))) found.add(`${type}.${path}`);
            continue;
          }
          const inner =
            t.code === 'BackboneElement' || t.code === 'Element'
              ? [...Object.values(schema.innerTypes ?? {}), ...Object.values(outer.innerTypes ?? {})].find((i) => i.path === element.path)
              : /^[A-Z]/.test(t.code) && !['Extension', 'Resource', 'Narrative', 'Meta'].includes(t.code)
                ? tryGetDataType(t.code)
                : undefined;
          const key = `${inner?.name}:${element.path}`;
          if (inner && !seen.includes(key)) walk(inner, path, [...seen, key], outer);
        }
      }
    };
    const schema = getDataType(type);
    walk(schema, '', [], schema);
    return [...found];
  }
  const all = writable.flatMap(staffReferences);

  const checked = (path: string): boolean => {
    const [type, ...rest] = path.split('.');
    const field = rest.join('.');
    return (WHO_ASKS['*'] ?? []).includes(field) || (WHO_ASKS[type] ?? []).includes(field) || ABOUT[type] === field;
  };
  const allowed = (path: string): boolean =>
    Object.values(NOT_WHO)
      .flat()
      .some((entry) => entry === path || (entry.startsWith('*.') && path.endsWith(entry.slice(1))));

  test('every such element is checked or listed with a reason', () => {
    // The walk reaches what it should: the compartment types, the fields the table was made for.
    expect(writable).toEqual(expect.arrayContaining(['Observation', 'DocumentReference', 'QuestionnaireResponse', 'Condition', 'Immunization', 'Encounter', 'Patient']));
    expect(writable).not.toContain('Practitioner');
    expect(writable).not.toContain('AuditEvent');
    expect(all).toEqual(expect.arrayContaining(['Observation.performer', 'Immunization.performer.actor', 'Encounter.participant.individual', 'Observation.note.authorReference', 'QuestionnaireResponse.source']));
    const unclassified = all.filter((path) => !checked(path) && !allowed(path));
    expect(unclassified).toEqual([]);
  });

  test('no element is both checked and allowed, and every table entry names a real element', () => {
    expect(all.filter((path) => checked(path) && allowed(path))).toEqual([]);
    const tableEntries = Object.entries(WHO_ASKS).flatMap(([type, fields]) => (type === '*' ? [] : fields.map((f) => `${type}.${f}`)));
    expect(tableEntries.filter((entry) => !elements.has(entry))).toEqual([]);
    const listed = Object.values(NOT_WHO)
      .flat()
      .filter((entry) => !entry.startsWith('*.'));
    expect(listed.filter((entry) => !all.includes(entry))).toEqual([]);
  });

  test('every type has the field it is about, one of its Patient compartment parameters, or a reason it needs none', () => {
    // The fields of a type's compartment parameters, as JSON paths (`Basic.subject.where(resolve() is Patient)` → `subject`).
    const compartmentFields = (type: string): string[] =>
      (defs.patientCompartment.get(type) ?? []).flatMap((code) =>
        (defs.searchParams.get(type)?.get(code)?.expression ?? '')
          .split('|')
          .map((part) => part.trim())
          .filter((part) => part.startsWith(`${type}.`))
          .map((part) => part.slice(type.length + 1).replace(/\.where\(.*\)$/, '')),
      );
    expect(writable.filter((type) => !ABOUT[type] && !ABOUT_ITSELF[type])).toEqual([]);
    expect(writable.filter((type) => ABOUT[type] && ABOUT_ITSELF[type])).toEqual([]);
    expect(Object.keys(ABOUT).filter((type) => !writable.includes(type) || !compartmentFields(type).includes(ABOUT[type]))).toEqual([]);
    expect(Object.keys(ABOUT_ITSELF).filter((type) => !writable.includes(type))).toEqual([]);
    // The hole the table closes: Observation is in the compartment through performer as well.
    expect(compartmentFields('Observation')).toEqual(['subject', 'performer']);
  });
});
