import type { Coding, Identifier, Parameters, ParametersParameter, Reference } from '@medplum/fhirtypes';
import type { FhirRequest } from '../request';
import { badRequest, echoed } from '../outcomes';

/**
 * Inputs of an operation ($merge, the telemedicine operations): a Parameters body (POST), or query parameters for simple
 * values (`?start=…&end=…`). Each getter says in Vietnamese and English what is wrong.
 */
export class OperationInput {
  private readonly parts: ParametersParameter[];

  constructor(req: FhirRequest) {
    const body = req.body as Parameters | undefined;
    if (body !== undefined && (typeof body !== 'object' || body.resourceType !== 'Parameters')) {
      throw badRequest('Nội dung phải là tài nguyên Parameters', 'The body must be a Parameters resource');
    }
    const fromQuery = req.query.map(([name, value]): ParametersParameter => ({ name, valueString: value }));
    this.parts = [...bodyParts(body), ...fromQuery];
  }

  /**
   * Refuses a parameter the operation does not define: ignored, a misspelt one ("consant") would
   * silently change what the request does. FHIR's own request parameters (`_format`, `_pretty`…)
   * may come in the query of any request.
   */
  only(known: ReadonlySet<string>): void {
    const unknown = [...new Set(this.parts.map((p) => p.name!).filter((name) => !known.has(name) && !name.startsWith('_')))];
    if (unknown.length) {
      const list = unknown.join(', ');
      const allowed = [...known].join(', ') || '—';
      throw badRequest(`Tham số ${echoed(list)} không thuộc thao tác này (chỉ nhận: ${allowed})`, `Parameter ${echoed(list)} is not defined for this operation (it takes: ${allowed})`);
    }
  }

  private all(name: string): ParametersParameter[] {
    return this.parts.filter((p) => p.name === name);
  }

  private one(name: string): ParametersParameter | undefined {
    const found = this.all(name);
    if (found.length > 1) throw badRequest(`Tham số ${name} chỉ được có một lần`, `Parameter ${name} may appear only once`);
    return found[0];
  }

  has(name: string): boolean {
    return this.all(name).length > 0;
  }

  /** Every identifier given under `name` (valueIdentifier, or `system|value` strings in the query). */
  identifiers(name: string): Identifier[] {
    return this.all(name).map((p) => {
      if (p.valueIdentifier?.value) return p.valueIdentifier;
      const text = p.valueString ?? '';
      const bar = text.indexOf('|');
      const [system, value] = bar < 0 ? [undefined, text] : [text.slice(0, bar) || undefined, text.slice(bar + 1)];
      if (!value) throw badRequest(`Tham số ${name} phải là định danh (Identifier)`, `Parameter ${name} must be an Identifier (or system|value)`);
      return { system, value };
    });
  }

  string(name: string): string | undefined {
    const p = this.one(name);
    const value = p?.valueString ?? p?.valueCode ?? p?.valueDateTime ?? p?.valueDate ?? p?.valueInstant ?? p?.valueUri;
    if (p && typeof value !== 'string') throw badRequest(`Tham số ${name} phải là chuỗi`, `Parameter ${name} must be a string`);
    return value?.trim() || undefined;
  }

  /** Every non-empty string given under `name`. */
  strings(name: string): string[] {
    return this.all(name)
      .map((p) => {
        if (p.valueString !== undefined && typeof p.valueString !== 'string') throw badRequest(`Tham số ${name} phải là chuỗi`, `Parameter ${name} must be a string`);
        return p.valueString?.trim();
      })
      .filter((v): v is string => !!v);
  }

  requiredString(name: string, vi: string): string {
    const value = this.string(name);
    if (value === undefined) throw badRequest(`Thiếu ${vi} (tham số ${name})`, `Parameter ${name} is required`);
    return value;
  }

  boolean(name: string): boolean {
    const p = this.one(name);
    if (!p) return false;
    if (typeof p.valueBoolean === 'boolean') return p.valueBoolean;
    if (p.valueString === 'true' || p.valueString === 'false') return p.valueString === 'true';
    throw badRequest(`Tham số ${name} phải là true hoặc false`, `Parameter ${name} must be a boolean`);
  }

  integer(name: string, fallback: number, min: number, max: number): number {
    const p = this.one(name);
    if (!p) return fallback;
    const value = p.valueInteger ?? p.valuePositiveInt ?? (p.valueString !== undefined ? Number(p.valueString) : NaN);
    if (!Number.isInteger(value) || value < min || value > max) {
      throw badRequest(`Tham số ${name} phải là số nguyên từ ${min} đến ${max}`, `Parameter ${name} must be an integer from ${min} to ${max}`);
    }
    return value;
  }

  /** A reference `Type/id` to a resource of `type` (valueReference, or a string in the query). */
  reference(name: string, type: string): string | undefined {
    const p = this.one(name);
    if (!p) return undefined;
    const ref = (p.valueReference as Reference | undefined)?.reference ?? p.valueString;
    const m = /^([A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})$/.exec(ref ?? '');
    if (!m || m[1] !== type) throw badRequest(`Tham số ${name} phải tham chiếu tới ${type}/[id]`, `Parameter ${name} must reference ${type}/[id]`);
    return m[2];
  }

  requiredReference(name: string, type: string, vi: string): string {
    const id = this.reference(name, type);
    if (id === undefined) throw badRequest(`Thiếu ${vi} (tham số ${name})`, `Parameter ${name} (a ${type} reference) is required`);
    return id;
  }

  /** Every coding given under `name` (valueCoding, or `system|code` strings in the query). */
  codings(name: string): Coding[] {
    return this.all(name).map((p) => {
      if (p.valueCoding?.code) return p.valueCoding;
      const [system, code] = (typeof p.valueString === 'string' ? p.valueString : '').split('|');
      if (!code) throw badRequest(`Tham số ${name} phải là mã (Coding)`, `Parameter ${name} must be a Coding (or system|code)`);
      return { system, code };
    });
  }
}

/**
 * The body's parameters, each checked to be an object with a name: the body is the client's JSON,
 * not yet validated, and a getter must never trip over a malformed part (a 500 instead of a 400).
 */
function bodyParts(body: Parameters | undefined): ParametersParameter[] {
  const parts: unknown = body?.parameter ?? [];
  const wellFormed = Array.isArray(parts) && parts.every((p) => typeof p === 'object' && p !== null && typeof (p as ParametersParameter).name === 'string');
  if (!wellFormed) throw badRequest('Tham số phải là danh sách, mỗi tham số có tên (name)', 'Parameters.parameter must be a list of parts, each with a name');
  return parts as ParametersParameter[];
}
