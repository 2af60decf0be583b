import type { Coding, Extension, OperationOutcomeIssue, Resource } from '@medplum/fhirtypes';
import { bilingual } from '../../fhir/outcomes';

/**
 * Small helpers for the station rules: issues that say, in Vietnamese then English, what to fix
 * and where (FHIRPath `expression`), and readers for the extensions our profiles use.
 */

export type Issue = OperationOutcomeIssue;

function issue(severity: 'error' | 'warning', code: Issue['code'], vi: string, en: string, expression: string): Issue {
  const text = bilingual(vi, en);
  return { severity, code, diagnostics: text, details: { text }, expression: [expression] };
}

/** A problem that blocks the write (400). */
export const error = (vi: string, en: string, expression: string, code: Issue['code'] = 'invalid'): Issue => issue('error', code, vi, en, expression);

/** A problem the writer should look at; the write goes through. */
export const warning = (vi: string, en: string, expression: string, code: Issue['code'] = 'invalid'): Issue => issue('warning', code, vi, en, expression);

/** "Missing X": an error naming, in Vietnamese, the field to fill in (with its register column where it has one). */
export const missing = (viField: string, enField: string, expression: string): Issue => error(`Thiếu ${viField}`, `${enField} is required`, expression, 'required');

/** The extensions of `element` with this URL, with their index in the element's extension array. */
export function extensionsOf(element: { extension?: Extension[] } | undefined, url: string): { ext: Extension; index: number }[] {
  return (element?.extension ?? []).flatMap((ext, index) => (ext.url === url ? [{ ext, index }] : []));
}

/** The valueCoding of the first extension with this URL. */
export function codingOf(element: { extension?: Extension[] } | undefined, url: string): Coding | undefined {
  return extensionsOf(element, url)[0]?.ext.valueCoding;
}

/** True when the resource names this profile in meta.profile (with or without |version). */
export function claims(resource: Resource, profile: string): boolean {
  return (resource.meta?.profile ?? []).some((p) => p.split('|')[0] === profile);
}
