import { randomBytes } from 'node:crypto';
import argon2 from 'argon2';
import type { Account, AuthStore } from './store';
import type { UnknownUsernames } from './unknown-usernames';

/** Failures before an account locks, and for how long. */
export const MAX_FAILURES = 5;
export const LOCK_SECONDS = 15 * 60;

export const hashPassword = (password: string): Promise<string> => argon2.hash(password, { type: argon2.argon2id });

/**
 * Passwords: at least 8 characters, not all digits (activation codes are digits), not one of the
 * passwords people choose most often, and not containing the username — the checks NIST SP
 * 800-63B §5.1.1.2 asks for instead of composition rules. A common password falls to the few
 * guesses the lock allows (five per 15 minutes, over many accounts at once).
 */
export function passwordProblem(password: unknown, username: string): string | undefined {
  if (typeof password !== 'string' || password.length < 8) return 'Mật khẩu cần ít nhất 8 ký tự / Password needs at least 8 characters';
  if (/^\d+$/.test(password)) return 'Mật khẩu không được chỉ gồm chữ số / Password must not be only digits';
  const folded = password.toLowerCase();
  if (folded.includes(username.toLowerCase())) return 'Mật khẩu không được chứa tên đăng nhập / Password must not contain the username';
  if (commonPasswords().has(folded)) return 'Mật khẩu này quá phổ biến, dễ bị đoán; hãy chọn mật khẩu khác / This password is too common and easily guessed; choose another';
  return undefined;
}

/**
 * zxcvbn-ts's list of the ~49,000 most common passwords (from leaked password sets), those of 8
 * characters or more. Loaded at the first password set, not at start: it costs ~2.5 MB of heap and
 * most processes never set one.
 */
let common: Set<string> | undefined;
function commonPasswords(): Set<string> {
  if (!common) {
    const { dictionary } = require('@zxcvbn-ts/language-common') as typeof import('@zxcvbn-ts/language-common');
    common = new Set(dictionary['passwords-common'].filter((p) => p.length >= 8).map((p) => p.toLowerCase()));
  }
  return common;
}

export type LoginResult = { ok: true; account: Account } | { ok: false; reason: 'unknown' | 'locked' | 'wrong-password' | 'disabled' };

/** The wait before answering a failure, after `failures` in a row: it doubles up to two seconds. */
export const failureDelayMs = (failures: number): number => Math.min(2000, 100 * 2 ** failures);

/** A hash of the accounts' cost that no password matches, verified when there is no account's to verify. */
let dummyHash: Promise<string> | undefined;

/**
 * Checks a username and password. Each failure slows the next answer and the fifth locks the
 * account for 15 minutes. Whether the username exists, is locked or disabled is not to be told from
 * outside: every attempt verifies one argon2 hash (the account's or a dummy one), unknown usernames
 * are counted, delayed and locked like accounts (`UnknownUsernames`), and the callers answer every
 * failure with the same text. The reason is returned for the audit trail only.
 */
export async function checkPassword(store: AuthStore, unknown: UnknownUsernames, username: string, password: string, kind?: Account['kind']): Promise<LoginResult> {
  const found = await store.accountByUsername(username);
  const account = found?.passwordHash && (!kind || found.kind === kind) ? found : undefined;
  dummyHash ??= hashPassword(randomBytes(32).toString('hex'));
  const matches = await argon2.verify(account?.passwordHash ?? (await dummyHash), password);
  if (!account) {
    const { failures, locked } = unknown.state(username);
    await wait(failureDelayMs(locked ? failures : unknown.recordFailure(username, MAX_FAILURES, LOCK_SECONDS)));
    return { ok: false, reason: 'unknown' };
  }
  // A locked account counts no more failures (a guess then does not lengthen the lock), as before.
  if (account.lockedUntil && account.lockedUntil > new Date()) {
    await wait(failureDelayMs(account.failedLogins));
    return { ok: false, reason: 'locked' };
  }
  if (matches && !account.disabled) {
    if (account.failedLogins > 0) await store.recordSuccess(account.id);
    return { ok: true, account };
  }
  const failures = await store.recordFailure(account.id, MAX_FAILURES, LOCK_SECONDS);
  await wait(failureDelayMs(failures));
  return { ok: false, reason: account.disabled ? 'disabled' : failures >= MAX_FAILURES ? 'locked' : 'wrong-password' };
}

const wait = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
