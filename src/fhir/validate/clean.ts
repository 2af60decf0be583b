import {
  capitalize,
  evalFhirPathTyped,
  fhirTypeToJsType,
  getDataType,
  HTTP_HL7_ORG,
  isEmpty,
  isReference,
  isResource,
  parseFhirPath,
  toTypedValue,
  UCUM,
  validationRegexes,
  type FhirPathAtom,
  type InternalSchemaElement,
  type InternalTypeSchema,
  type TypedValue,
} from '@medplum/core';
import type { Resource } from '@medplum/fhirtypes';

/**
 * A precompiled proof that @medplum/core's validator would find nothing wrong with a resource.
 *
 * The validator visits every element of every type's schema at each object — a Coding's seven,
 * an Observation's forty — looking each up by name and building its path, though most are absent:
 * that was most of the server's CPU on a Synthea load. Here each type's elements are compiled once
 * into a table keyed by the JSON keys they may be written under, and a resource is walked over the
 * keys it has. The walk makes every check the validator makes on a clean resource — cardinality,
 * required elements, unknown elements, JSON types and formats of primitives, the error invariants
 * (with the same FHIRPath engine, variables and skipped keys), reference target types — and
 * answers `true` only when all pass. At the first thing it does not reproduce exactly (a null, an
 * empty value, a primitive extension `_x`, slicing, fixed or pattern values, a failed check) it
 * answers `false` and the caller runs @medplum/core, whose issues are the answer. So it can make
 * validation faster, never different. test/fhir/validate-clean.test.ts holds it to the validator
 * on the R4 examples and the Synthea bundles.
 */
export function provablyClean(resource: Resource): boolean {
  const root = toTypedValue(resource);
  try {
    const schema = getDataType(root.type);
    const compiled = compile(schema);
    if (!compiled) return false;
    const walk = new Walk(root);
    return walk.constraints(root, compiled.constraints) && walk.object(resource as unknown as Record<string, unknown>, compiled);
  } catch {
    return false; // an unknown type or anything unexpected: the validator decides
  }
}

/** The keys the validator skips (validation.ts `skippedConstraintKeys` of @medplum/core 4.5). */
const SKIPPED_CONSTRAINTS = new Set(['ele-1', 'dom-3', 'org-1', 'sdf-19']);

interface CompiledConstraint {
  atom: FhirPathAtom;
  /** An element whose absence makes the invariant true (HOLDS_WITHOUT): then it is not evaluated. */
  holdsWithout?: string;
}

/**
 * Invariants that hold whenever one element is absent, by their exact expression (a changed
 * expression is evaluated as any other). Every resource carries the three on `contained`, which
 * almost none has: evaluating them was about a quarter of the walk's time on a Synthea load. Each is
 * `X.….empty()` (a path from X) or `X.….empty() or …`/`… and …` of such: with no X, each path is
 * empty, so the first part is true.
 */
export const HOLDS_WITHOUT: ReadonlyMap<string, string> = new Map([
  ['contained.contained.empty()', 'contained'], // dom-2
  ['contained.meta.versionId.empty() and contained.meta.lastUpdated.empty()', 'contained'], // dom-4
  ['contained.meta.security.empty()', 'contained'], // dom-5
  ['dataAbsentReason.empty() or value.empty()', 'dataAbsentReason'], // obs-6
  ['value.empty() or component.code.where(coding.intersect(%resource.code.coding).exists()).empty()', 'component'], // obs-7
  [
    "abatement.empty() or clinicalStatus.coding.where(system='http://terminology.hl7.org/CodeSystem/condition-clinical' and (code='resolved' or code='remission' or code='inactive')).exists()",
    'abatement',
  ], // con-4
  [
    "verificationStatus.coding.where(system='http://terminology.hl7.org/CodeSystem/condition-ver-status' and code='entered-in-error').empty() or clinicalStatus.empty()",
    'verificationStatus',
  ], // con-5
]);

/** Whether `value` has no key for element `name`: neither `name` nor, for a choice, `name` and a type (`abatementDateTime`). */
function lacks(value: unknown, name: string): boolean {
  if (typeof value !== 'object' || value === null) return false;
  for (const key of Object.keys(value)) {
    if (key === name) return false;
    if (key.startsWith(name) && key.length > name.length) {
      const next = key.charCodeAt(name.length);
      if (next >= 65 && next <= 90) return false; // an upper-case letter: a choice's type
    }
  }
  return true;
}

interface Field {
  element: InternalSchemaElement;
  /** Name of the element in the schema (`value[x]`): two keys of one element are a conflict. */
  name: string;
  /** The type the value has under this key. */
  type: string;
  /** JavaScript type of a primitive, undefined for a complex type. */
  jsType?: 'string' | 'number' | 'boolean';
  regex?: RegExp;
  constraints: CompiledConstraint[];
}

interface CompiledType {
  /** JSON key → field; `valueQuantity` and `valueString` both lead to `value[x]`. */
  fields: Map<string, Field>;
  /** Elements with min > 0. */
  required: string[];
  /** The type's own invariants (checked on the root only, as the validator does). */
  constraints: CompiledConstraint[];
}

/** null: the schema uses what this walk does not reproduce, so its values go to the validator. */
const compiledTypes = new WeakMap<InternalTypeSchema, CompiledType | null>();
const atoms = new Map<string, FhirPathAtom>();

function compile(schema: InternalTypeSchema): CompiledType | null {
  let compiled = compiledTypes.get(schema);
  if (compiled === undefined) {
    compiled = compileType(schema);
    compiledTypes.set(schema, compiled);
  }
  return compiled;
}

function compileType(schema: InternalTypeSchema): CompiledType | null {
  const fields = new Map<string, Field>();
  const required: string[] = [];
  const names = Object.keys(schema.elements);
  for (const name of names) {
    const element = schema.elements[name];
    if (name.includes('.') || element.slicing || element.fixed || element.pattern || !element.type?.length) return null;
    const last = element.path.slice(element.path.lastIndexOf('.') + 1);
    const choice = last.endsWith('[x]');
    if (choice !== name.endsWith('[x]') || (!choice && last !== name)) return null;
    // The validator reads an unknown-looking key as a choice when a capitalised prefix of it names
    // one (`valueQuantity` → value[x]); a plain element that would also read so is left to it.
    if (!choice && choicePrefix(name, schema)) return null;
    if (element.min > 0) required.push(name);
    const constraints = compileConstraints(element.constraints);
    for (const t of choice ? element.type : element.type.slice(0, 1)) {
      if (t.code === 'Element' || t.code === 'BackboneElement') return null;
      const key = choice ? last.replace('[x]', capitalize(t.code)) : last;
      if (fields.has(key)) return null;
      const jsType = (fhirTypeToJsType as Record<string, 'string' | 'number' | 'boolean' | undefined>)[t.code];
      fields.set(key, { element, name, type: t.code, jsType, regex: jsType === 'string' ? validationRegexes[t.code] : undefined, constraints });
    }
  }
  return { fields, required, constraints: compileConstraints(schema.constraints) };
}

/** Whether a capitalised prefix of `key` plus `[x]` names an element (the validator's isChoiceOfType). */
function choicePrefix(key: string, schema: InternalTypeSchema): boolean {
  let prefix = '';
  for (const part of key.split(/(?=[A-Z])/g)) {
    prefix += part;
    if (schema.elements[`${prefix}[x]`]) return true;
  }
  return false;
}

function compileConstraints(constraints: InternalTypeSchema['constraints']): CompiledConstraint[] {
  const out: CompiledConstraint[] = [];
  for (const c of constraints ?? []) {
    if (c.severity !== 'error' || SKIPPED_CONSTRAINTS.has(c.key)) continue;
    let atom = atoms.get(c.expression);
    if (!atom) atoms.set(c.expression, (atom = parseFhirPath(c.expression)));
    out.push({ atom, holdsWithout: HOLDS_WITHOUT.get(c.expression) });
  }
  return out;
}

const UCUM_VALUE = toTypedValue(UCUM);
const HL7_PROFILE = `${HTTP_HL7_ORG}/fhir/StructureDefinition/`;
const MEDPLUM_PROFILE = 'https://medplum.com/fhir/StructureDefinition/';
const INTEGER_TYPES = new Set(['integer', 'positiveInt', 'unsignedInt']);

/** One walk over a resource; false as soon as something is not provably clean. */
class Walk {
  /** The resources the walk is inside (`%resource` is the innermost). */
  private readonly resources: Resource[] = [];

  constructor(private readonly root: TypedValue) {
    this.resources.push(root.value as Resource);
  }

  object(value: Record<string, unknown>, type: CompiledType): boolean {
    const seen = new Set<string>();
    for (const key of Object.keys(value)) {
      // Any object may carry resourceType (the validator skips it), but not as null.
      if (key === 'resourceType') {
        if (value[key] === null) return false;
        continue;
      }
      const field = type.fields.get(key);
      if (!field || seen.has(field.name)) return false;
      seen.add(field.name);
      if (!this.field(value[key], field)) return false;
    }
    for (const name of type.required) if (!seen.has(name)) return false;
    return true;
  }

  private field(value: unknown, field: Field): boolean {
    const { element } = field;
    if (isEmpty(value) || Array.isArray(value) !== !!element.isArray) return false;
    const items = Array.isArray(value) ? value : [value];
    if (items.length < element.min || items.length > element.max) return false;
    for (const item of items) {
      if (item === null || item === undefined || (field.type === 'Resource' && !isResource(item))) return false;
      const typed: TypedValue = { type: field.type === 'Resource' && isResource(item) ? item.resourceType : field.type, value: item };
      if (!this.constraints(typed, field.constraints) || !this.reference(typed, element)) return false;
      if (field.jsType ? !primitiveOk(item, field) : !this.complex(typed)) return false;
    }
    return true;
  }

  private complex(typed: TypedValue): boolean {
    const value = typed.value as Record<string, unknown>;
    if (typeof value !== 'object' || Array.isArray(value) || isEmpty(value)) return false;
    const compiled = compile(getDataType(typed.type));
    if (!compiled) return false;
    const resource = isResource(value);
    if (resource) this.resources.push(value);
    const clean = this.object(value, compiled);
    if (resource) this.resources.pop();
    return clean;
  }

  constraints(typed: TypedValue, constraints: CompiledConstraint[]): boolean {
    let variables: Record<string, TypedValue> | undefined;
    for (const { atom, holdsWithout } of constraints) {
      if (holdsWithout !== undefined && lacks(typed.value, holdsWithout)) continue;
      variables ??= {
        '%context': typed,
        '%ucum': UCUM_VALUE,
        '%resource': toTypedValue(this.resources[this.resources.length - 1]),
        '%rootResource': this.root,
      };
      const result = evalFhirPathTyped(atom, [typed], variables);
      if (result.length !== 1 || result[0].value !== true) return false;
    }
    return true;
  }

  /** The validator warns of a reference to a type its element does not allow (all targets known to it). */
  private reference(typed: TypedValue, element: InternalSchemaElement): boolean {
    if (typed.type !== 'Reference' || !isReference(typed.value) || typed.value.reference.startsWith('#')) return true;
    const ref = typed.value.reference;
    const targetType = ref.includes('?') ? ref.split('?')[0] : ref.split('/')[0];
    const targets = element.type.find((t) => t.code === 'Reference')?.targetProfile;
    if (!targetType || !targets) return true;
    for (const target of targets) {
      if (target === `${HL7_PROFILE}Resource` || target === HL7_PROFILE + targetType || target === MEDPLUM_PROFILE + targetType) return true;
      if (!target.startsWith(HL7_PROFILE) && !target.startsWith(MEDPLUM_PROFILE)) return true;
    }
    return false;
  }
}

/** The validator's checks of a primitive value (validatePrimitiveType). */
function primitiveOk(value: unknown, field: Field): boolean {
  if (typeof value !== field.jsType) return false;
  if (field.jsType === 'string') {
    const text = value as string;
    return !!text.trim() && text.length <= 1024 * 1024 && (!field.regex || field.regex.exec(text) !== null);
  }
  if (field.jsType === 'number') {
    const n = value as number;
    if (!Number.isFinite(n)) return false;
    if (INTEGER_TYPES.has(field.type) && !Number.isInteger(n)) return false;
    if (field.type === 'positiveInt' && n <= 0) return false;
    if (field.type === 'unsignedInt' && n < 0) return false;
  }
  return true;
}
