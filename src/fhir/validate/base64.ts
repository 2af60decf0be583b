import type { OperationOutcomeIssue, Resource } from '@medplum/fhirtypes';

/** The text @medplum/core gives a base64Binary value its own pattern rejects. */
const MEDPLUM_BASE64_ISSUE = 'Invalid base64Binary format';

/**
 * R4's pattern for base64Binary.value is `(\s*([0-9a-zA-Z\+/=]){4}\s*)+`, an XML Schema regex
 * (so `\s` is space, tab, CR and LF only): whitespace may separate 4-character groups, as in
 * line-wrapped base64. @medplum/core checks `^([A-Za-z\d+/]{4})*(…=|…==)?$`, which allows none,
 * and so rejects valid resources (the spec's own DiagnosticReport-gingival-mass example among
 * them). This is R4's rule, checked in linear time: every whitespace-separated run of the
 * alphabet must be a whole number of 4-character groups.
 */
export function isR4Base64Binary(value: unknown): boolean {
  if (typeof value !== 'string') return false;
  const runs = value.split(/[ \t\r\n]+/).filter((run) => run !== '');
  return runs.length > 0 && runs.every((run) => run.length % 4 === 0 && /^[0-9a-zA-Z+/=]+$/.test(run));
}

/** Drops @medplum/core's base64Binary issues whose value satisfies R4's own pattern. */
export function withoutFalseBase64Issues(resource: Resource, issues: OperationOutcomeIssue[]): OperationOutcomeIssue[] {
  return issues.filter((issue) => {
    if (issue.details?.text !== MEDPLUM_BASE64_ISSUE) return true;
    const path = issue.expression?.[0];
    return !(path && isR4Base64Binary(valueAt(resource, path)));
  });
}

/**
 * The value at a validator path such as `DiagnosticReport.presentedForm[0].data` or
 * `Patient.extension[0].value[x]` (a choice: the one `value…` property present); undefined when
 * the path does not lead to exactly one value.
 */
function valueAt(resource: Resource, path: string): unknown {
  const [, ...steps] = path.split('.');
  let node: unknown = resource;
  for (const step of steps) {
    const m = /^([A-Za-z]+)(\[x\])?(?:\[(\d+)\])?$/.exec(step);
    if (!m || !node || typeof node !== 'object' || Array.isArray(node)) return undefined;
    const obj = node as Record<string, unknown>;
    const key = m[2] ? Object.keys(obj).find((k) => k.startsWith(m[1]) && /^[A-Z]/.test(k.slice(m[1].length))) : m[1];
    node = key === undefined ? undefined : obj[key];
    if (m[3] !== undefined) node = Array.isArray(node) ? node[Number(m[3])] : undefined;
  }
  return node;
}
