/**
 * Failed sign-ins of usernames without an account, counted as an account's are counted in the
 * database (`AuthStore.recordFailure`): the same progressive delay and the same lock, so neither
 * tells an attacker whether a username exists. In memory and per process, like the rate limiter;
 * the oldest entries give way beyond `capacity`, so a flood of invented names cannot grow it.
 */
export class UnknownUsernames {
  private readonly entries = new Map<string, { failures: number; lockedUntil: number }>();

  constructor(private readonly capacity = 10_000) {}

  /** The failures counted so far, and whether the name is locked (as an account would be). */
  state(username: string, now = Date.now()): { failures: number; locked: boolean } {
    const entry = this.entries.get(username);
    return { failures: entry?.failures ?? 0, locked: !!entry && entry.lockedUntil > now };
  }

  /** Counts one failure; the `maxFailures`-th locks for `lockSeconds`. Returns the failures so far. */
  recordFailure(username: string, maxFailures: number, lockSeconds: number, now = Date.now()): number {
    const entry = this.entries.get(username) ?? { failures: 0, lockedUntil: 0 };
    entry.failures += 1;
    if (entry.failures >= maxFailures) entry.lockedUntil = now + lockSeconds * 1000;
    this.entries.delete(username); // re-inserted last: the Map's order is the eviction order
    this.entries.set(username, entry);
    if (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value!);
    return entry.failures;
  }
}
