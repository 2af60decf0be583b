import { fhirTypeToJsType, getDataType, isPrimitiveType, tryGetDataType, type InternalTypeSchema } from '@medplum/core';
import type { OperationOutcomeIssue, Resource } from '@medplum/fhirtypes';
import { bilingual, echoed } from '../outcomes';
import { elementOf } from '../elements';
import { isStorableText } from '../storable-text';
import { unknownElementText } from './inherited-keys';

/**
 * The JSON shape of a resource, checked before anything reads it as the definitions type it:
 * every element's value has the JSON type of its FHIR type (a string, number or boolean for a
 * primitive, an object for a datatype, backbone element or resource), an array where the element
 * repeats and a single value where it does not, no null in an array except a primitive's whose
 * extension sibling holds the item, and every `_x` primitive-extension sibling an object (an array
 * of objects or nulls for a repeating element) standing beside a primitive element. Strings must be
 * well-formed Unicode without U+0000, which PostgreSQL cannot store in jsonb.
 *
 * No value is empty: R4's JSON format (json.html) has an element with no value left out, never
 * written as `""`, `{}` or `[]` (nor `"_x": {}` or `[]`). An object whose only element is such
 * a value is reported at that element, not again as an empty object. A string of whitespace only is
 * not empty: R4 says such strings SHOULD NOT occur (datatypes.html), and @medplum/core reports them.
 *
 * @medplum/core's validator checks part of this, but only after its FHIRPath utilities have read the
 * values (a `"_status": 5` throws there), and it takes a number or string where a datatype belongs
 * (`"coding": [5]`, `"subject": "Patient/1"`) for an object with no elements. Our own checks
 * (bindings.ts, the profiles in meta.profile, the domain's rules) read the values too. So the shape
 * is checked first, and the other checks see only what has the right shape: a copy of the resource
 * without the malformed elements (validator.ts).
 *
 * Unknown elements are left to @medplum/core and inherited-keys.ts, which report them; their values
 * are not walked. Expressions name elements as the other checks do: `Patient.name[0].given[1]`, an
 * extension sibling by its element (`Patient.birthDate`, the text naming `_birthDate`).
 */
export function checkShape(resource: unknown): Shape {
  const issues: OperationOutcomeIssue[] = [];
  const kept = checkResource(resource, '', issues);
  return { issues, wellShaped: kept === DROP ? undefined : (kept as Resource) };
}

export interface Shape {
  /** An error for each value of the wrong shape; none for a well-formed resource. */
  issues: OperationOutcomeIssue[];
  /**
   * The resource without the elements those errors are about (the resource itself when there are
   * none), for the other checks to find what else is wrong; undefined when not even the resource is
   * an object of a known type.
   */
  wellShaped?: Resource;
}

/** What a check answers for a value to leave out of the well-shaped copy. */
const DROP = Symbol('drop');

/** A value where a resource belongs: the root, a contained resource, a Bundle entry's resource, a parameter's. */
function checkResource(value: unknown, path: string, issues: OperationOutcomeIssue[]): unknown {
  if (!isObject(value)) {
    issues.push(wrongType(path || 'Resource', 'object', value));
    return DROP;
  }
  const type = value.resourceType;
  const schema = typeof type === 'string' ? tryGetDataType(type) : undefined;
  if (typeof type !== 'string' || !schema || schema.kind !== 'resource' || schema.name !== type) {
    const shown = typeof type === 'string' ? type : (JSON.stringify(type) ?? String(type));
    issues.push(error(bilingual(`Loại tài nguyên không xác định: "${echoed(shown)}"`, `Unknown resource type "${echoed(shown)}"`), path ? `${path}.resourceType` : 'resourceType'));
    return DROP;
  }
  return checkObject(value, schema, schema, path || type, issues);
}

/**
 * The elements of one object (a resource, a datatype, a backbone element) of the type `schema`;
 * answers the object, or a copy without the elements of the wrong shape. An element whose `_x`
 * sibling is malformed is left out with it.
 */
function checkObject(object: Record<string, unknown>, schema: InternalTypeSchema, root: InternalTypeSchema, path: string, issues: OperationOutcomeIssue[]): Record<string, unknown> {
  let kept: Record<string, unknown> | undefined;
  const keep = (key: string, value: unknown): void => {
    if (value === object[key]) return;
    kept ??= { ...object };
    if (value === DROP) delete kept[key];
    else kept[key] = value;
  };
  for (const [key, value] of Object.entries(object)) {
    // undefined is no JSON value, only in resources the server builds itself: absent, as to @medplum/core.
    if (key === 'resourceType' || value === undefined) continue;
    if (key.startsWith('_')) {
      const sibling = checkExtensionSibling(object, key, schema, path, issues);
      keep(key, sibling);
      if (sibling === DROP) keep(key.slice(1), DROP);
      continue;
    }
    const found = elementOf(schema, key);
    if (!found) continue; // an unknown element: reported by the validator
    const { element, typeCode } = found;
    const at = `${path}.${key}`;
    if (value === null) {
      issues.push(error(bilingual('Giá trị null', 'Invalid null value'), at));
      keep(key, DROP);
      continue;
    }
    if (element.isArray !== Array.isArray(value)) {
      issues.push(
        element.isArray
          ? error(bilingual('Phần tử này phải là một mảng', 'Expected array of values for property'), at)
          : error(bilingual('Phần tử này chỉ nhận một giá trị, không phải mảng', 'Expected single value for property'), at),
      );
      keep(key, DROP);
      continue;
    }
    if (!Array.isArray(value)) {
      keep(key, checkValue(value, typeCode, element.path, root, at, issues));
      continue;
    }
    if (value.length === 0) {
      issues.push(emptyValue(at, value));
      keep(key, DROP);
      continue;
    }
    const extensions = object[`_${key}`];
    let dropped = false;
    const items = value.map((item: unknown, i) => {
      const itemPath = `${at}[${i}]`;
      if (item === undefined) return item; // not from JSON: @medplum/core reports it
      if (item === null) {
        // R4 json.html: in a repeating primitive, null stands for a value only its extension sibling holds.
        if (isPrimitiveType(typeCode) && Array.isArray(extensions) && isObject(extensions[i])) return item;
        issues.push(error(bilingual('Giá trị null', 'Invalid null value'), itemPath));
        dropped = true;
        return item;
      }
      const checked = checkValue(item, typeCode, element.path, root, itemPath, issues);
      if (checked === DROP) dropped = true;
      return checked;
    });
    // An array loses no item (the others' expressions keep their indexes): all of it is left out.
    keep(key, dropped ? DROP : items.every((item, i) => item === value[i]) ? value : items);
  }
  return kept ?? object;
}

function checkValue(value: unknown, typeCode: string, elementPath: string, root: InternalTypeSchema, path: string, issues: OperationOutcomeIssue[]): unknown {
  if (isPrimitiveType(typeCode)) {
    const expected = Object.hasOwn(fhirTypeToJsType, typeCode) ? fhirTypeToJsType[typeCode as keyof typeof fhirTypeToJsType] : 'string';
    if (typeof value !== expected) {
      issues.push(wrongType(path, expected, value));
      return DROP;
    }
    if (typeof value === 'string' && !isStorableText(value)) {
      const text = bilingual(
        'Chuỗi chứa ký tự không được phép (U+0000 hoặc một nửa cặp thay thế UTF-16)',
        'String contains a character that is not allowed (U+0000 or a lone UTF-16 surrogate)',
      );
      issues.push(error(text, path, 'value'));
      return DROP;
    }
    if (value === '') {
      issues.push(emptyValue(path, value));
      return DROP;
    }
    return value;
  }
  if (!isObject(value)) {
    issues.push(wrongType(path, 'object', value));
    return DROP;
  }
  if (isEmptyObject(value)) {
    issues.push(emptyValue(path, value));
    return DROP;
  }
  if (typeCode === 'Resource') return checkResource(value, path, issues);
  // A datatype or a backbone element whose type @medplum/core names (QuestionnaireItem) is a type
  // of its own; a backbone element typed `BackboneElement` or `Element` is the resource's inner type
  // at its path, as bindings.ts finds it.
  const backbone = typeCode === 'BackboneElement' || typeCode === 'Element';
  const type = backbone ? root.innerTypes.find((t) => t.path === elementPath) : tryGetDataType(typeCode);
  return type ? checkObject(value, type, backbone ? root : type, path, issues) : value;
}

/** A `_x` key: the id and extensions of the primitive element x. */
function checkExtensionSibling(object: Record<string, unknown>, key: string, schema: InternalTypeSchema, path: string, issues: OperationOutcomeIssue[]): unknown {
  const value = object[key];
  const found = elementOf(schema, key.slice(1));
  if (!found) return value; // an unknown element: reported by the validator
  if (!isPrimitiveType(found.typeCode)) {
    issues.push(error(unknownElementText(key), `${path}.${key}`));
    return DROP;
  }
  const at = `${path}.${key.slice(1)}`;
  const repeats = found.element.isArray;
  const invalid = (where: string, got: unknown): typeof DROP => {
    const text = bilingual(
      `Phần mở rộng "${key}" của giá trị nguyên thủy phải là ${repeats ? 'một mảng các đối tượng (hoặc null)' : 'một đối tượng'}, không phải ${jsonType(got)}`,
      `Primitive extension "${key}" must be ${repeats ? 'an array of objects (or nulls)' : 'an object'}, not ${jsonType(got)}`,
    );
    issues.push(error(text, where));
    return DROP;
  };
  const element = getDataType('Element');
  const checkItem = (item: unknown, where: string): unknown => {
    if (!isObject(item)) return invalid(where, item);
    if (isEmptyObject(item)) {
      issues.push(emptyValue(where, item, key));
      return DROP;
    }
    return checkObject(item, element, element, where, issues);
  };
  if (!repeats) return checkItem(value, at);
  if (!Array.isArray(value)) return invalid(at, value);
  if (value.length === 0) {
    issues.push(emptyValue(at, value, key));
    return DROP;
  }
  let dropped = false;
  value.forEach((item: unknown, i) => {
    if (item === null || item === undefined) return;
    if (checkItem(item, `${at}[${i}]`) !== item) dropped = true;
  });
  return dropped ? DROP : value;
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** An object with no element: `{}`, or one whose keys hold only undefined (not from JSON: what JSON.stringify stores as `{}`). */
const isEmptyObject = (value: Record<string, unknown>): boolean => Object.values(value).every((v) => v === undefined);

const jsonType = (value: unknown): string => (value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value);

/** The wording of @medplum/core's own JSON-type issue (messages.ts translates it), so one text whichever check finds it. */
function wrongType(path: string, expected: string, value: unknown): OperationOutcomeIssue {
  const got = jsonType(value);
  return error(bilingual(`Kiểu JSON không hợp lệ: cần ${expected}, nhận được ${got}`, `Invalid JSON type: expected ${expected}, but got ${got}`), path);
}

/** `""`, `{}` or `[]` where a value belongs (at the element `key` names, for an extension sibling). */
function emptyValue(path: string, value: '' | Record<string, unknown> | unknown[], key?: string): OperationOutcomeIssue {
  const [vi, en] = value === '' ? ['Chuỗi rỗng ""', 'An empty string ""'] : Array.isArray(value) ? ['Mảng rỗng []', 'An empty array []'] : ['Đối tượng rỗng {}', 'An empty object {}'];
  const of = key ? [` trong phần mở rộng "${key}"`, ` in the primitive extension "${key}"`] : ['', ''];
  const text = bilingual(
    `${vi}${of[0]} không phải là giá trị: phần tử không có giá trị thì bỏ hẳn đi`,
    `${en}${of[1]} is no value: an element without a value is left out`,
  );
  return error(text, path);
}

function error(text: string, expression: string, code: OperationOutcomeIssue['code'] = 'structure'): OperationOutcomeIssue {
  return { severity: 'error', code, diagnostics: text, details: { text }, expression: [expression] };
}
