import type { OperationOutcomeIssue, Resource } from '@medplum/fhirtypes';
import { bilingual, echoed } from '../outcomes';
import { walkObjects } from './walk';

/**
 * The names of Object.prototype's members: `constructor`, `toString`, `hasOwnProperty`, …,
 * `__proto__`. @medplum/core's unknown-element check asks `key in elements` of a plain object,
 * which is true for each of them (and for `_constructor`, read as constructor's primitive
 * extension), so a resource carrying one passed as valid. JSON.parse makes even `__proto__` an own
 * property, which the store kept and served back. No R4 element has such a name
 * (test/fhir/inherited-keys.test.ts holds the definitions to that), so each is refused wherever it
 * appears, as any unknown element is.
 */
const INHERITED = new Set(Object.getOwnPropertyNames(Object.prototype));

/** The text of an unknown-element issue, whichever check finds it. */
export const unknownElementText = (key: string): string =>
  bilingual(`Phần tử không có trong định nghĩa: "${echoed(key)}"`, `Unknown element "${echoed(key)}"`);

/**
 * An error for every key, at any depth (contained resources included), named like an
 * Object.prototype member, and for a contained resource whose resourceType is so named (the
 * validator's type lookup finds the inherited member and checks nothing).
 */
export function inheritedKeyIssues(resource: Resource): OperationOutcomeIssue[] {
  const issues: OperationOutcomeIssue[] = [];
  walkObjects(resource, resource.resourceType, (object, path) => {
    const reported = new Set<string>();
    for (const [key, child] of Object.entries(object)) {
      const at = `${path}.${key}`;
      if (INHERITED.has(key) || (key.startsWith('_') && INHERITED.has(key.slice(1)))) issues.push(error(unknownElementText(key), at));
      else if (key === 'resourceType' && typeof child === 'string' && INHERITED.has(child)) {
        issues.push(error(bilingual(`Loại tài nguyên không xác định: "${echoed(child)}"`, `Unknown resource type "${echoed(child)}"`), at));
      } else continue;
      reported.add(key);
    }
    return reported;
  });
  return issues;
}

function error(text: string, expression: string): OperationOutcomeIssue {
  return { severity: 'error', code: 'structure', diagnostics: text, details: { text }, expression: [expression] };
}
