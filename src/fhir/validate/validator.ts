import { getAllDataTypes, OperationOutcomeError as MedplumOutcomeError, parseStructureDefinition, validateResource, validateTypedValue } from '@medplum/core';
import type { OperationOutcomeIssue, Resource, StructureDefinition } from '@medplum/fhirtypes';
import type { R4Definitions } from '../definitions';
import { withoutFalseBase64Issues } from './base64';
import { checkTypedValues } from './bindings';
import { provablyClean } from './clean';
import { inheritedKeyIssues } from './inherited-keys';
import { bilingualIssue } from './messages';
import { narrativeIssues } from './narrative';
import { checkShape } from './shape';

/** Profiles (StructureDefinitions with snapshots) the server enforces when a resource claims them. */
export interface ProfileRegistry {
  get(url: string): StructureDefinition | undefined;
}

/**
 * A rule of the station's domain that FHIRPath cannot express well (e.g. a CCCD's century/sex
 * digit against birthDate and gender). Returns issues; errors block the write.
 */
export type ResourceRule = (resource: Resource) => OperationOutcomeIssue[];

/**
 * Validates a resource: first its JSON shape (shape.ts: a value of the wrong JSON type, an array
 * where one value belongs or the reverse, a null, a primitive-extension sibling that is no object),
 * since every later check (and @medplum/core's FHIRPath utilities) reads the values as the
 * definitions type them, and those checks see only the elements of the right shape; then against
 * the R4 base definitions (cardinality, types, unknown elements, FHIRPath invariants —
 * @medplum/core; the element names its unknown-element check misses — inherited-keys.ts; the
 * narrative rules txt-1/txt-2 its htmlChecks() skips — narrative.ts), required bindings and
 * calendar dates (ours, bindings.ts), and every profile in meta.profile the server holds (a
 * profile it does not hold yields a warning only), then the domain's own rules.
 * Returns all issues; the caller decides whether errors block the write.
 */
export function validate(
  resource: Resource,
  defs: R4Definitions,
  profiles: ProfileRegistry,
  rules: readonly ResourceRule[] = [],
  options: { wellShaped?: boolean } = {},
): OperationOutcomeIssue[] {
  // The repository has asked wellShaped() of what it writes: the walk is not made twice.
  if (options.wellShaped) return validateWellShaped(resource, defs, profiles, rules, false);
  const shape = checkShape(resource);
  if (shape.issues.length === 0) return validateWellShaped(resource, defs, profiles, rules, false);
  // The other checks run on what has the right shape, for all that is wrong to be answered at once.
  // An element left out is not reported again (as missing, say), nor are the elements around it
  // (left empty, or failing an invariant that read it).
  const around = new Set(shape.issues.flatMap((i) => i.expression ?? []).flatMap(withAncestors));
  const rest = shape.wellShaped ? validateWellShaped(shape.wellShaped, defs, profiles, rules, true) : inheritedKeyIssues(resource);
  return [...shape.issues, ...rest.filter((i) => !i.expression?.some((e) => around.has(e)))];
}

function validateWellShaped(
  resource: Resource,
  defs: R4Definitions,
  profiles: ProfileRegistry,
  rules: readonly ResourceRule[],
  malformed: boolean,
): OperationOutcomeIssue[] {
  const issues: OperationOutcomeIssue[] = [];
  const held: StructureDefinition[] = [];
  for (const url of resource.meta?.profile ?? []) {
    const profile = profiles.get(url.split('|')[0]);
    if (profile) held.push(profile);
    else {
      const text = `Máy chủ không có hồ sơ ${url}; chỉ kiểm tra theo định nghĩa R4 / Profile ${url} is unknown to this server; validated against R4 only`;
      issues.push({ severity: 'warning', code: 'not-supported', diagnostics: text, details: { text }, expression: [`${resource.resourceType}.meta.profile`] });
    }
  }
  // A profile's snapshot carries every base element with its constraints, so a resource checked
  // against a profile of its own type has had the base checks too: running both doubled the cost.
  // Most resources are valid: a precompiled walk proves it (clean.ts) without the validator's visit
  // of every absent element; whatever it cannot prove goes to the validator, whose issues count.
  if (!held.some((p) => p.type === resource.resourceType)) collect(issues, resource, () => (provablyClean(resource) ? [] : validateResource(resource)));
  issues.push(...inheritedKeyIssues(resource));
  issues.push(...narrativeIssues(resource));
  issues.push(...checkTypedValues(resource, defs));
  for (const profile of held) collect(issues, resource, () => validateAgainstProfile(resource, profile));
  const refused = malformed || hasErrors(issues);
  for (const rule of rules) {
    try {
      issues.push(...rule(resource));
    } catch (err) {
      // The domain's rules read fields as the definitions type them; on a resource already refused
      // (a birth date that is a number) one may trip over what it finds: the refusal stands as is.
      if (!refused) throw err;
    }
  }
  return issues;
}

/** `Patient.name[0].given` and the expressions of the elements around it: `Patient.name[0]`, `Patient.name`, `Patient`. */
function withAncestors(expression: string): string[] {
  const out = [expression];
  for (let i = expression.length - 1; i > 0; i--) if (expression[i] === '.' || expression[i] === '[') out.push(expression.slice(0, i));
  return out;
}

/**
 * Whether a resource has the JSON shape its definitions give it (shape.ts): the repository asks
 * before its assignments and derivations read the resource.
 */
export const wellShaped = (resource: Resource): boolean => checkShape(resource).issues.length === 0;

/**
 * `validateResource(resource, { profile })` re-parses the whole profile on every call (42% of the
 * seed's CPU); the parsed schema is kept under the profile's URL, where @medplum/core looks types
 * up, and the resource validated as a value of that type — the same issues, five times faster.
 */
function validateAgainstProfile(resource: Resource, profile: StructureDefinition): OperationOutcomeIssue[] {
  const types = getAllDataTypes();
  types[profile.url] ??= parseStructureDefinition(profile);
  return validateTypedValue({ type: profile.url, value: resource });
}

/** Runs a @medplum/core validation, which returns or throws its issues, and keeps the true ones, worded in Vietnamese and English. */
function collect(issues: OperationOutcomeIssue[], resource: Resource, run: () => OperationOutcomeIssue[]): void {
  let found: OperationOutcomeIssue[];
  try {
    found = run();
  } catch (err) {
    if (!(err instanceof MedplumOutcomeError)) throw err;
    found = err.outcome.issue ?? [];
  }
  issues.push(...withoutFalseBase64Issues(resource, found).map(bilingualIssue));
}

export const hasErrors = (issues: OperationOutcomeIssue[]): boolean =>
  issues.some((i) => i.severity === 'error' || i.severity === 'fatal');
