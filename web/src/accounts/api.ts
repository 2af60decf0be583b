import { request } from '../api/http';
import type { Role } from '../api/session';

/** Account administration through the server's /auth/accounts endpoints (docs/security.md). */

export interface AccountSummary {
  username: string;
  kind: 'staff' | 'resident';
  roles: Role[];
  disabled: boolean;
}

export async function listAccounts(signal?: AbortSignal): Promise<AccountSummary[]> {
  return (await request<{ accounts: AccountSummary[] }>('/auth/accounts', { signal })).accounts;
}

/** Disables (its sessions and app tokens stop at once) or enables (it signs in again) an account. */
export async function setDisabled(username: string, disabled: boolean): Promise<void> {
  await request(`/auth/accounts/${encodeURIComponent(username)}/${disabled ? 'disable' : 'enable'}`, { method: 'POST' });
}
