import type { Queryable } from '../../db/database';
import { writeNewVersions, type NewVersion } from './write';

/**
 * The audit records of reads, searches, refusals and sign-ins, written in batches off the request's
 * path: a search used to wait for its own AuditEvent (a write with some twenty index rows) before
 * answering, which made every read cost a write. Records wait at most `maxDelayMs` (or until
 * `maxBatch` are waiting) and go to the database as one statement. Anyone about to read the audit
 * trail flushes first (Repository), so an auditor always sees every access made before their
 * request; the engine flushes on shutdown. A crash loses at most the last `maxDelayMs` of read
 * records — writes are audited in their own statement, never here (docs/security.md, "Audit").
 */
export class AuditQueue {
  private pending: NewVersion[] = [];
  private timer?: NodeJS.Timeout;
  private writing: Promise<void> = Promise.resolve();

  constructor(
    private readonly db: Queryable,
    private readonly onError: (err: Error) => void,
    private readonly maxDelayMs = 50,
    private readonly maxBatch = 200,
  ) {}

  add(record: NewVersion): void {
    this.pending.push(record);
    if (this.pending.length >= this.maxBatch) void this.flush();
    else this.timer ??= setTimeout(() => void this.flush(), this.maxDelayMs).unref();
  }

  /** Writes what waits (after any write already under way); resolves when it is stored. */
  flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.pending;
    this.pending = [];
    this.writing = this.writing.then(async () => {
      if (batch.length === 0) return;
      try {
        await writeNewVersions(this.db, batch, PLACEHOLDER);
      } catch (err) {
        this.onError(err as Error);
      }
    });
    return this.writing;
  }
}

/** Stands for meta.lastUpdated in a queued record until the statement that stores it knows its time. */
export const PLACEHOLDER = '@audit-lastUpdated-7d4f1c2e';
