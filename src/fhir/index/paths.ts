import {
  AndAtom,
  AsAtom,
  capitalize,
  DotAtom,
  EqualsAtom,
  FhirPathAtom,
  FunctionAtom,
  getElementDefinition,
  isResourceType,
  LiteralAtom,
  NotEqualsAtom,
  SymbolAtom,
  tryGetDataType,
  type Atom,
  type InternalSchemaElement,
  type TypedValue,
} from '@medplum/core';

/**
 * A fast path for the search parameter members that are plain paths — `Patient.name`,
 * `Observation.value.ofType(Quantity)`, `(Observation.value as CodeableConcept).text` — or plain
 * paths with filters written `where(field = 'text')`: `Patient.telecom.where(system='phone')` and
 * every one of our own extension parameters, `Patient.extension.where(url = '…').value` (the
 * engine spent 4–11 µs on each of those per Patient written). Together 99.7% of the members. The
 * FHIRPath engine looks up the element definition of every step on every value it walks; here each
 * step's definition is looked up once, when the member is compiled, and a write only walks the JSON.
 *
 * The walk reproduces what @medplum/core's engine returns (values, types, document order), step
 * by step: SymbolAtom + getTypedPropertyValueWithSchema, ofType/`as` — less the null items of
 * arrays, which the engine yields with an undefined value and extraction skips. Paths are
 * recognised from the parsed expression rather than from its text, so they can never be read
 * differently from the engine's tokenizer. What the walk cannot reproduce exactly stays with the
 * engine: at compile time (any other atom; a step whose type is only known at run time) by not
 * compiling, at run time (a primitive extension such as `_birthDate`, which the engine merges
 * into the value) by answering undefined. test/fhir/index-paths.test.ts holds the walk to the
 * engine on the R4 examples and the Synthea bundles.
 */

/** The members' values for `input`, or undefined when the FHIRPath engine must answer instead. */
export type FastPath = (input: TypedValue[]) => TypedValue[] | undefined;

export interface PlainPath {
  evaluate: FastPath;
  /** Type of every value the path yields, when it is one type known before run time. */
  type?: string;
  /**
   * The ValueSet a path ending in a `code` element is bound to (strength required), whose code
   * system is the code's: the R4 search page gives a `code` the system of its binding.
   */
  codeBinding?: string;
}

/** One JSON key an element may be written under, and the type its values then have. */
interface Candidate {
  key: string;
  /** `_key`: where JSON puts a primitive's id and extensions. */
  extKey: string;
  type: string;
  /** Typed `Resource` (Bundle.entry.resource): the engine types each value by its resourceType. */
  resource: boolean;
}

type Step =
  /** `Patient` at the head of `Patient.name`: the resource itself. */
  | { kind: 'self'; name: string }
  | { kind: 'field'; name: string; candidates: Candidate[] }
  | { kind: 'ofType'; type: string }
  /** `where(field = 'text')`: keeps the values whose primitive `field` is exactly `equals`. */
  | { kind: 'where'; field: Candidate; equals: string };

type RawStep = { kind: 'symbol'; name: string } | { kind: 'ofType'; type: string } | { kind: 'where'; field: string; equals: string };

/** Primitive types whose JSON value is a string the engine compares as text with a string literal. */
const TEXT_PRIMITIVES = new Set(['string', 'code', 'uri', 'url', 'canonical', 'id', 'oid', 'uuid', 'markdown']);

const IDENTIFIER = /^[A-Za-z][A-Za-z0-9_]*$/;

/**
 * The steps of a parsed plain path, or undefined. A symbol the engine would read as a variable
 * is refused: it looks names up in a plain object first, so `constructor` would not be a field.
 */
function rawSteps(atom: Atom): RawStep[] | undefined {
  if (atom instanceof FhirPathAtom) return rawSteps(atom.child);
  if (atom instanceof SymbolAtom) return IDENTIFIER.test(atom.name) && !(atom.name in {}) ? [{ kind: 'symbol', name: atom.name }] : undefined;
  if (atom instanceof DotAtom) {
    const left = rawSteps(atom.left);
    const right = left && rawSteps(atom.right);
    return right && [...left!, ...right];
  }
  if (atom instanceof AsAtom) {
    const left = rawSteps(atom.left);
    const type = typeName(atom.right);
    return left && type ? [...left, { kind: 'ofType', type }] : undefined;
  }
  if (atom instanceof FunctionAtom && atom.name === 'ofType' && atom.args.length === 1) {
    const type = typeName(atom.args[0]);
    return type ? [{ kind: 'ofType', type }] : undefined;
  }
  if (atom instanceof FunctionAtom && atom.name === 'where' && atom.args.length === 1) {
    const test = atom.args[0];
    if (!(test instanceof EqualsAtom) || !(test.left instanceof SymbolAtom) || !(test.right instanceof LiteralAtom)) return undefined;
    const field = test.left.name;
    const literal = test.right.value;
    return IDENTIFIER.test(field) && !(field in {}) && literal.type === 'string' && typeof literal.value === 'string' ? [{ kind: 'where', field, equals: literal.value }] : undefined;
  }
  return undefined;
}

/** ofType/as compare a value's type with the argument's symbol name (`FHIR.Quantity` is not one). */
const typeName = (atom: Atom): string | undefined => (atom instanceof SymbolAtom && IDENTIFIER.test(atom.name) ? atom.name : undefined);

/**
 * Compiles `atom` for input values of type `startType` (a resource type, or a backbone type for
 * a composite's components), or undefined when it is not a plain path this walker reproduces.
 */
export function compilePlainPath(atom: Atom, startType: string): PlainPath | undefined {
  const raw = rawSteps(atom);
  if (!raw) return undefined;
  const steps: Step[] = [];
  // The type of the values reaching the next step; undefined once several types (a choice
  // element) or a run-time type (Resource) can reach it, where only ofType may follow.
  let type: string | undefined = startType;
  let codeBinding: string | undefined;
  for (const step of raw) {
    codeBinding = undefined;
    if (step.kind === 'ofType') {
      steps.push(step);
      type = step.type;
      continue;
    }
    if (type === undefined || !tryGetDataType(type)) return undefined;
    if (step.kind === 'where') {
      // Only a single-typed text field: comparing anything else is the engine's business.
      const candidates = candidatesOf(getElementDefinition(type, step.field));
      if (candidates?.length !== 1 || !TEXT_PRIMITIVES.has(candidates[0].type)) return undefined;
      steps.push({ kind: 'where', field: candidates[0], equals: step.equals });
      continue;
    }
    if (step.name === type && isResourceType(type)) {
      steps.push({ kind: 'self', name: step.name });
      continue;
    }
    // The same lookup the engine makes per value (no profile), made once.
    const element = getElementDefinition(type, step.name);
    const candidates = candidatesOf(element);
    if (!candidates) return undefined;
    steps.push({ kind: 'field', name: step.name, candidates });
    codeBinding = requiredCodeBinding(element!);
    const types = new Set(candidates.map((c) => (c.resource ? undefined : c.type)));
    type = types.size === 1 ? [...types][0] : undefined;
  }
  // Each step's keys were chosen for the type the values have when they reach it: an input of
  // another type (never, from extract.ts) is the engine's to answer.
  return { evaluate: (input) => (input.every((tv) => tv.type === startType) ? walk(steps, input) : undefined), type, codeBinding };
}

/**
 * `X.exists() and X != false` over a plain path X of at most one value: R4's `Patient.deceased`
 * (deceasedBoolean, or a deceasedDateTime that means true), the one member of the parameters of
 * the types a station writes left to the FHIRPath engine, which cost ~4 % of the server's CPU per
 * Patient created. Yields the engine's single boolean; several values (collection equality) or a
 * value the path cannot walk are the engine's to answer.
 */
export function compileExistsNotFalse(atom: Atom, startType: string): PlainPath | undefined {
  const and = atom instanceof FhirPathAtom ? atom.child : atom;
  if (!(and instanceof AndAtom)) return undefined;
  const { left, right } = and;
  const exists = left instanceof DotAtom && left.right instanceof FunctionAtom && left.right.name === 'exists' && left.right.args.length === 0;
  const notFalse = right instanceof NotEqualsAtom && right.right instanceof LiteralAtom && right.right.value.type === 'boolean' && right.right.value.value === false;
  if (!exists || !notFalse || left.left.toString() !== right.left.toString()) return undefined;
  const path = compilePlainPath(left.left, startType);
  if (!path) return undefined;
  return {
    type: 'boolean',
    evaluate: (input) => {
      const values = path.evaluate(input);
      if (!values || values.length > 1) return undefined;
      return [{ type: 'boolean', value: values.length === 1 && !(values[0].type === 'boolean' && values[0].value === false) }];
    },
  };
}

/** The required ValueSet (without its version) of a `code` element, or undefined. */
function requiredCodeBinding(element: InternalSchemaElement): string | undefined {
  const binding = element.binding;
  if (element.type.length !== 1 || element.type[0].code !== 'code' || binding?.strength !== 'required') return undefined;
  return binding.valueSet?.split('|')[0];
}

/**
 * The keys an element may be written under, in the order the engine tries them
 * (getTypedPropertyValueWithSchema): the element's types in definition order, `value[x]` as
 * `valueQuantity`, `valueString`…; the first key present wins.
 */
function candidatesOf(element: InternalSchemaElement | undefined): Candidate[] | undefined {
  // No type: the engine yields nothing. A bare Element/BackboneElement code (the schema names
  // backbone types, so none is left in R4): the engine renames it. Neither is worth reproducing.
  if (!element?.type?.length || element.type.some((t) => t.code === 'Element' || t.code === 'BackboneElement')) return undefined;
  const last = element.path.slice(element.path.lastIndexOf('.') + 1);
  return element.type.map((t) => {
    const key = last.replace('[x]', capitalize(t.code));
    return { key, extKey: `_${key}`, type: t.code, resource: t.code === 'Resource' };
  });
}

function walk(steps: readonly Step[], input: TypedValue[]): TypedValue[] | undefined {
  let values = input;
  for (const step of steps) {
    const next: TypedValue[] = [];
    if (step.kind === 'ofType') {
      for (const tv of values) if (tv.type === step.type) next.push(tv);
    } else if (step.kind === 'where') {
      if (!keepEqual(step.field, step.equals, values, next)) return undefined;
    } else {
      for (const tv of values) {
        const v = tv.value;
        // A primitive (or null) has no fields: the engine yields nothing for it.
        if (!v || typeof v !== 'object') continue;
        if (step.kind === 'self') {
          if (v.resourceType !== step.name) return undefined;
          next.push(tv);
        } else if (v.resourceType === step.name || !addField(step.candidates, v, next)) {
          return undefined;
        }
      }
    }
    values = next;
  }
  return values;
}

/** Pushes the values of the first candidate key present on `v`; false when the engine must answer. */
function addField(candidates: readonly Candidate[], v: Record<string, unknown>, out: TypedValue[]): boolean {
  for (const c of candidates) {
    const value = v[c.key];
    const ext = v[c.extKey];
    if (value === undefined && ext === undefined) continue;
    // The engine merges a primitive's extensions into its value: leave that to it.
    if (ext) return false;
    if (Array.isArray(value)) {
      // A null item: the engine yields it with value undefined, which every extractor skips.
      for (const item of value) if (item !== undefined && item !== null) out.push({ type: typeOf(c, item), value: item });
    } else if (!isEmptyValue(value)) {
      out.push({ type: typeOf(c, value), value });
    }
    return true;
  }
  return true;
}

/**
 * Pushes the values whose `field` is the text `equals` (a missing field is no match, as the
 * engine's empty comparison); false when the engine must answer: a field with extensions (the
 * engine merges them into the value) or a value that is not one string (invalid JSON).
 */
function keepEqual(field: Candidate, equals: string, values: readonly TypedValue[], out: TypedValue[]): boolean {
  for (const tv of values) {
    const v = tv.value;
    if (!v || typeof v !== 'object') continue;
    if (v[field.extKey] !== undefined) return false;
    const value = v[field.key];
    if (value === undefined || value === null) continue;
    if (typeof value !== 'string') return false;
    if (value === equals) out.push(tv);
  }
  return true;
}

const typeOf = (c: Candidate, value: unknown): string =>
  c.resource && value && typeof value === 'object' && 'resourceType' in value ? (value as { resourceType: string }).resourceType : c.type;

/** The engine drops an empty string or object (an empty array yields nothing anyway). */
function isEmptyValue(value: unknown): boolean {
  if (value === null || value === undefined || value === '') return true;
  return typeof value === 'object' && Object.keys(value).length === 0;
}
