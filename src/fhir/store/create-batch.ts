import { randomUUID } from 'node:crypto';
import type { Queryable } from '../../db/database';
import { asNewVersion, writeNewVersions, writeVersion, type VersionWrite, type WrittenVersion } from './write';

interface Waiting {
  write: VersionWrite;
  companions: VersionWrite[];
  resolve: (written: WrittenVersion | undefined) => void;
  reject: (err: unknown) => void;
}

/**
 * Group commit of independent creates (a `POST` of one resource outside any transaction, e.g. the
 * station registering residents, apps uploading home readings). While one statement is in the
 * database, the creates that arrive wait here, and the next statement writes all of them — each with
 * its AuditEvent — as arrays (write.ts `writeNewVersions`), the way a transaction Bundle's entries
 * are written. A create then costs PostgreSQL a share of one statement, one plan and one commit
 * instead of its own. A lone create (no load) goes at once, by the single-write statement: batching
 * adds no wait.
 *
 * Each create stays atomic with its audit record: the batch is one statement, written whole or not at
 * all. When it fails (an id already taken, a value the database refuses), nothing of it was written
 * and every create in it is tried on its own, so a bad one fails alone with its own answer.
 */
export class CreateBatcher {
  private waiting: Waiting[] = [];
  private inFlight = 0;

  constructor(
    private readonly db: Queryable,
    /** Batch statements in the database at once: more overlap the round trips, fewer batch more. */
    private readonly maxInFlight = 1,
    private readonly maxBatch = 64,
  ) {}

  /** Writes a first version and its companions; undefined when its id already exists (as writeVersion). */
  write(write: VersionWrite, companions: VersionWrite[]): Promise<WrittenVersion | undefined> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ write, companions, resolve, reject });
      this.send();
    });
  }

  private send(): void {
    while (this.inFlight < this.maxInFlight && this.waiting.length) {
      const batch = this.waiting.splice(0, this.maxBatch);
      this.inFlight++;
      void this.writeBatch(batch).finally(() => {
        this.inFlight--;
        this.send();
      });
    }
  }

  private async writeBatch(batch: Waiting[]): Promise<void> {
    if (batch.length > 1 && (await this.writeTogether(batch))) return;
    await Promise.all(batch.map((b) => writeVersion(this.db, b.write, b.companions).then(b.resolve, b.reject)));
  }

  /** One statement for the whole batch; false (nothing written) when the database refused it. */
  private async writeTogether(batch: Waiting[]): Promise<boolean> {
    // Stands for meta.lastUpdated until the statement knows its time; random, so no content holds it.
    const placeholder = `@lastUpdated-${randomUUID()}`;
    const versions = batch.flatMap((b) => [b.write, ...b.companions]).map((w) => asNewVersion(w, placeholder));
    try {
      const { lastUpdated } = await writeNewVersions(this.db, versions, placeholder, 'fail');
      for (const b of batch) b.resolve({ lastUpdated });
      return true;
    } catch {
      return false;
    }
  }
}
