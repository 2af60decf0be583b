import type { Transaction } from '../../db/database';
import { conflict } from '../outcomes';
import { asNewVersion, transactionTime, writeNewVersions, type NewVersion, type VersionWrite } from './write';

/**
 * The resources a transaction Bundle creates, written together. Each create waits here and they go
 * to the database as one statement (write.ts `writeNewVersions`) just before the transaction next
 * sends SQL of any kind — a read, a search, an update, its audit record, its end — so nothing in
 * the transaction can miss them. A Bundle of 50 new resources costs one write statement, not 50.
 */
export class DeferredWrites implements Transaction {
  readonly inTransaction = true as const;
  private pending: NewVersion[] = [];
  private time?: string;
  /** Work that waits for the Bundle's entries (derived records): run by settle(). */
  private later: (() => Promise<void>)[] = [];

  constructor(private readonly tx: Transaction) {}

  async query<T = Record<string, unknown>>(sql: string, params?: readonly unknown[], name?: string): Promise<T[]> {
    await this.flush();
    return this.tx.query<T>(sql, params, name);
  }

  /** The transaction itself, for SQL that needs none of the waiting creates (a sequence's next value): sent without writing them first. */
  get aside(): Transaction {
    return this.tx;
  }

  /** The transaction's time, which the database stamps on every write of it (meta.lastUpdated). */
  async timestamp(): Promise<string> {
    this.time ??= await transactionTime(this.tx);
    return this.time;
  }

  /** Keeps a new version (its content as text now: the caller goes on using the object). */
  defer(write: VersionWrite): void {
    this.pending.push(asNewVersion(write));
  }

  /** Queues work to run once the Bundle's own entries are done (see settle). */
  afterEntries(work: () => Promise<void>): void {
    this.later.push(work);
  }

  /**
   * Runs the queued work, in order (and whatever it queues in turn). Records derived from a
   * Bundle's entries are written here rather than one by one between the entries: each needs a
   * read (a child's birth date), which would flush the pending creates every time.
   */
  async settle(): Promise<void> {
    for (let work = this.later.shift(); work; work = this.later.shift()) await work();
  }

  async flush(): Promise<void> {
    if (this.pending.length === 0) return;
    const writes = this.pending;
    this.pending = [];
    const { written } = await writeNewVersions(this.tx, writes);
    if (written < writes.length) throw conflict('Một tài nguyên mới trùng id đã có', 'A new resource of the transaction has an id that already exists');
  }
}
