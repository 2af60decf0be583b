/**
 * Grants recently seen live, so a request with a bearer token need not ask the database again
 * for a few seconds. Every request used to cost a grant lookup (one round trip, ~10% of a create).
 * Each is remembered with the Patient it is bound to (a resident app's), which a token must name:
 * a merge binds the grant to the kept Patient, and tokens naming the retired one stop.
 * Revocations through this process forget the grant at once, and so does a merge; another
 * process sharing the database sees either within `ttlMs` (docs/security.md, "Revocation").
 */
export class LiveGrants {
  private readonly seen = new Map<string, { until: number; patientId: string | null }>();
  /** Grants revoked here: a lookup that raced the revocation must not put them back. */
  private readonly revoked = new Set<string>();

  constructor(
    private readonly ttlMs = 5_000,
    private readonly max = 10_000,
  ) {}

  /** The remembered grant (with its Patient), or undefined when it must be looked up. */
  live(id: string, now = Date.now()): { patientId: string | null } | undefined {
    const entry = this.seen.get(id);
    if (entry === undefined) return undefined;
    if (entry.until > now) return entry;
    this.seen.delete(id);
    return undefined;
  }

  isLive(id: string, now = Date.now()): boolean {
    return this.live(id, now) !== undefined;
  }

  remember(id: string, now = Date.now(), patientId: string | null = null): void {
    if (this.revoked.has(id)) return;
    // Oldest first out: a Map and a Set iterate in insertion order.
    if (this.seen.size >= this.max) this.seen.delete(this.seen.keys().next().value!);
    this.seen.delete(id);
    this.seen.set(id, { until: now + this.ttlMs, patientId });
  }

  /** A revoked grant: forgotten, and never remembered again. */
  forget(id: string): void {
    this.seen.delete(id);
    if (this.revoked.size >= this.max) this.revoked.delete(this.revoked.values().next().value!);
    this.revoked.add(id);
  }

  /** A grant that changed (bound to another Patient): looked up again on its next use. */
  evict(id: string): void {
    this.seen.delete(id);
  }
}
