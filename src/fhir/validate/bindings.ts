import { tryGetDataType, type InternalTypeSchema } from '@medplum/core';
import type { Coding, OperationOutcomeIssue, Resource } from '@medplum/fhirtypes';
import type { R4Definitions } from '../definitions';
import { elementOf } from '../elements';
import { calendarIssue } from './calendar';

/**
 * The checks of typed values @medplum/core's validator leaves out, in one walk of the resource:
 * - required bindings: every `code`, Coding and CodeableConcept bound with strength "required" to
 *   a ValueSet we can enumerate must use a code from it. ValueSets that need a terminology server
 *   (filters, imports) are not checked;
 * - calendar dates: a date, dateTime or instant must name a day its month has (calendar.ts).
 */
export function checkTypedValues(resource: Resource, defs: R4Definitions): OperationOutcomeIssue[] {
  const schema = tryGetDataType(resource.resourceType);
  if (!schema) return [];
  const issues: OperationOutcomeIssue[] = [];
  walk(resource as unknown as Record<string, unknown>, schema, schema, resource.resourceType, defs, issues);
  return issues;
}

function walk(
  value: Record<string, unknown>,
  schema: InternalTypeSchema,
  root: InternalTypeSchema,
  path: string,
  defs: R4Definitions,
  issues: OperationOutcomeIssue[],
): void {
  for (const [key, child] of Object.entries(value)) {
    if (key === 'resourceType' || key.startsWith('_') || child === undefined || child === null) continue;
    const found = elementOf(schema, key);
    if (!found) continue;
    const { element, typeCode } = found;
    const items = Array.isArray(child) ? child : [child];
    items.forEach((item, i) => {
      const itemPath = Array.isArray(child) ? `${path}.${key}[${i}]` : `${path}.${key}`;
      const dateIssue = calendarIssue(item, typeCode, itemPath);
      if (dateIssue) issues.push(dateIssue);
      const binding = element.binding;
      if (binding?.strength === 'required' && binding.valueSet) {
        checkValue(item, typeCode, binding.valueSet.split('|')[0], itemPath, defs, issues);
      }
      if (item && typeof item === 'object' && typeCode !== 'Resource') {
        const inner =
          typeCode === 'BackboneElement' || typeCode === 'Element'
            ? root.innerTypes.find((t) => t.path === element.path)
            : tryGetDataType(typeCode);
        if (inner) walk(item as Record<string, unknown>, inner, typeCode === 'BackboneElement' || typeCode === 'Element' ? root : inner, itemPath, defs, issues);
      }
    });
  }
}

function checkValue(
  item: unknown,
  typeCode: string,
  valueSetUrl: string,
  path: string,
  defs: R4Definitions,
  issues: OperationOutcomeIssue[],
): void {
  const codes = defs.valueSets.get(valueSetUrl);
  if (!codes) return;
  const inSet = (system: string | undefined, code: string | undefined): boolean => {
    if (code === undefined) return true;
    if (system === undefined) return [...codes.values()].some((set) => set.has(code));
    const set = codes.get(system);
    return set ? set.has(code) : false;
  };
  let ok = true;
  if (typeCode === 'code' && typeof item === 'string') ok = inSet(undefined, item);
  else if (typeCode === 'Coding') ok = inSet((item as Coding).system, (item as Coding).code);
  else if (typeCode === 'CodeableConcept') {
    const codings = ((item as { coding?: Coding[] }).coding ?? []).filter((c) => c.code !== undefined);
    ok = codings.length === 0 || codings.some((c) => inSet(c.system, c.code));
  }
  if (!ok) {
    const text = `Mã không thuộc tập giá trị bắt buộc ${valueSetUrl} / Value is not in the required value set ${valueSetUrl}`;
    issues.push({ severity: 'error', code: 'code-invalid', diagnostics: text, details: { text }, expression: [path] });
  }
}
