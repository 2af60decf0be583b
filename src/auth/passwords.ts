import argon2 from 'argon2';
import type { Account, AuthStore } from './store';

/** Failures before an account locks, and for how long. */
export const MAX_FAILURES = 5;
export const LOCK_SECONDS = 15 * 60;

export const hashPassword = (password: string): Promise<string> => argon2.hash(password, { type: argon2.argon2id });

/** Passwords: at least 8 characters, not all digits (activation codes are digits). */
export function passwordProblem(password: unknown): string | undefined {
  if (typeof password !== 'string' || password.length < 8) return 'Mật khẩu cần ít nhất 8 ký tự / Password needs at least 8 characters';
  if (/^\d+$/.test(password)) return 'Mật khẩu không được chỉ gồm chữ số / Password must not be only digits';
  return undefined;
}

export type LoginResult = { ok: true; account: Account } | { ok: false; reason: 'unknown' | 'locked' | 'wrong-password' | 'disabled' };

/**
 * Checks a username and password. Each failure slows the next answer and the fifth locks the
 * account for 15 minutes; an unknown username costs the same hash time, so it cannot be told apart.
 */
export async function checkPassword(store: AuthStore, username: string, password: string, kind?: Account['kind']): Promise<LoginResult> {
  const account = await store.accountByUsername(username);
  if (!account || !account.passwordHash || (kind && account.kind !== kind)) {
    await argon2.hash(password); // equal time for unknown users
    return { ok: false, reason: 'unknown' };
  }
  if (account.disabled) return { ok: false, reason: 'disabled' };
  if (account.lockedUntil && account.lockedUntil > new Date()) return { ok: false, reason: 'locked' };
  if (await argon2.verify(account.passwordHash, password)) {
    if (account.failedLogins > 0) await store.recordSuccess(account.id);
    return { ok: true, account };
  }
  const failures = await store.recordFailure(account.id, MAX_FAILURES, LOCK_SECONDS);
  await new Promise((r) => setTimeout(r, Math.min(2000, 100 * 2 ** failures)));
  return { ok: false, reason: failures >= MAX_FAILURES ? 'locked' : 'wrong-password' };
}
