import { policyFor } from '../auth/policy';
import type { Client } from '../auth/store';
import type { OwnerResolver } from './registry';

/**
 * What a subscribing system client may be sent: what its registered scopes let it read (its
 * agreement with the station), through the same policy as its requests (src/auth/policy.ts).
 * A client that is gone, or is not a system client, is sent nothing.
 */
export function clientOwnerResolver(clients: { client(clientId: string): Promise<Client | undefined> }, compartmentTypes: ReadonlySet<string>): OwnerResolver {
  return async (clientId) => {
    const client = await clients.client(clientId);
    if (!client?.grantTypes.includes('client_credentials')) return undefined;
    return policyFor({ sub: clientId, client_id: clientId, scope: client.scope, grant: '', kind: 'system' }, compartmentTypes);
  };
}
