import type { BundleEntry, Identifier, Resource } from '@medplum/fhirtypes';

/**
 * Client-made identifiers make a save idempotent: every resource of a visit carries a UUID made
 * in the page, and its transaction entry is a conditional create on it. When an answer is lost
 * and the page sends the same transaction again, the server finds each resource already stored
 * and creates nothing new (FHIR conditional create, If-None-Exist).
 */
export const CLIENT_ID_SYSTEM = 'urn:ietf:rfc:3986';

export const newClientId = (): string => `urn:uuid:${crypto.randomUUID()}`;

export const clientIdentifier = (id: string): Identifier => ({ system: CLIENT_ID_SYSTEM, value: id });

/** The entry that creates `resource` unless one with its client identifier exists; `fullUrl` lets other entries refer to it. */
export function conditionalCreate(resource: Resource & { identifier?: Identifier[] }, clientId: string): BundleEntry {
  const withId = { ...resource, identifier: [...(resource.identifier ?? []), clientIdentifier(clientId)] } as Resource;
  return { fullUrl: clientId, resource: withId, request: { method: 'POST', url: resource.resourceType, ifNoneExist: `identifier=${CLIENT_ID_SYSTEM}|${clientId}` } };
}
