import { randomUUID } from 'node:crypto';
import type { Bundle, BundleEntry, Resource } from '@medplum/fhirtypes';

/**
 * A transaction Bundle under construction: each added resource gets a `urn:uuid:` full URL that
 * other entries can reference before anything is stored (the engine rewrites them on commit).
 */
export class TransactionBuilder {
  private readonly entries: BundleEntry[] = [];

  /** @param uuid source of UUIDs (a seeded one makes the seed deterministic). */
  constructor(private readonly uuid: () => string = randomUUID) {}

  /** Adds a create; returns the reference to use for it inside this bundle. */
  add(resource: Resource): string {
    const fullUrl = `urn:uuid:${this.uuid()}`;
    this.entries.push({ fullUrl, resource, request: { method: 'POST', url: resource.resourceType } });
    return fullUrl;
  }

  get size(): number {
    return this.entries.length;
  }

  bundle(): Bundle {
    return { resourceType: 'Bundle', type: 'transaction', entry: this.entries };
  }
}
