/**
 * Grants recently seen live, so a request with a bearer token need not ask the database again
 * for a few seconds. Every request used to cost a grant lookup (one round trip, ~10% of a create).
 * Revocations through this process forget the grant at once; another process sharing the
 * database sees a revocation within `ttlMs` (docs/security.md, "Revocation").
 */
export class LiveGrants {
  private readonly seen = new Map<string, number>();
  /** Grants revoked here: a lookup that raced the revocation must not put them back. */
  private readonly revoked = new Set<string>();

  constructor(
    private readonly ttlMs = 5_000,
    private readonly max = 10_000,
  ) {}

  isLive(id: string, now = Date.now()): boolean {
    const until = this.seen.get(id);
    if (until === undefined) return false;
    if (until > now) return true;
    this.seen.delete(id);
    return false;
  }

  remember(id: string, now = Date.now()): void {
    if (this.revoked.has(id)) return;
    // Oldest first out: a Map and a Set iterate in insertion order.
    if (this.seen.size >= this.max) this.seen.delete(this.seen.keys().next().value!);
    this.seen.delete(id);
    this.seen.set(id, now + this.ttlMs);
  }

  forget(id: string): void {
    this.seen.delete(id);
    if (this.revoked.size >= this.max) this.revoked.delete(this.revoked.values().next().value!);
    this.revoked.add(id);
  }
}
