import type { Binary, BundleEntry } from '@medplum/fhirtypes';
import { badRequest } from '../outcomes';
import { isR4Base64Binary } from '../validate/base64';

/**
 * What a Bundle entry sends to its interaction: the resource, or for a PATCH the JSON Patch its
 * resource carries. A Bundle holds resources only, so R4 puts a JSON Patch in a Binary
 * (`contentType` application/json-patch+json, the document base64 in `data`); FHIRPath Patch (a
 * Parameters resource) is passed on as it is, for the interaction to refuse as over REST.
 */
export function entryBody(entry: BundleEntry, index: number): unknown {
  if (entry.request?.method !== 'PATCH') return entry.resource;
  const at = [`Bundle.entry[${index}].resource`];
  const resource = entry.resource;
  // A FHIRPath Patch goes to the interaction, which refuses it as over REST (Repository.patch).
  if (resource?.resourceType === 'Parameters') return resource;
  const binary = resource as Binary | undefined;
  if (binary?.resourceType !== 'Binary' || binary.contentType?.split(';')[0].trim() !== 'application/json-patch+json' || typeof binary.data !== 'string') {
    throw badRequest(
      `Mục ${index} (PATCH) phải chứa một Binary có contentType application/json-patch+json và data`,
      `Entry ${index} (PATCH) needs a Binary with contentType application/json-patch+json and data`,
      at,
    );
  }
  let operations: unknown;
  try {
    if (!isR4Base64Binary(binary.data)) throw new Error('not base64');
    operations = JSON.parse(Buffer.from(binary.data, 'base64').toString('utf8'));
  } catch {
    throw badRequest(`Mục ${index}: data của Binary không phải JSON Patch mã hóa base64`, `Entry ${index}: the Binary's data is not a base64-encoded JSON Patch`, at);
  }
  if (!Array.isArray(operations)) {
    throw badRequest(`Mục ${index}: JSON Patch phải là một mảng thao tác`, `Entry ${index}: a JSON Patch must be an array of operations`, at);
  }
  return operations;
}
