import { EventEmitter } from 'node:events';
import type { EmbeddedPostgres } from './pglite-worker';

/**
 * A `pg`-compatible driver module so TypeORM (migrations, CLI) can run on the embedded PGlite
 * database. PGlite is a single PostgreSQL session, so the "pool" hands out its one connection to
 * one caller at a time. At run time the engine uses EmbeddedDatabase instead.
 */
export function pgliteDriver(db: EmbeddedPostgres): { Pool: new (options?: unknown) => PglitePool } {
  class BoundPool extends PglitePool {
    constructor() {
      super(db);
    }
  }
  return { Pool: BoundPool };
}

interface QueryResultLike {
  rows: unknown[];
  rowCount: number;
  command: string;
}

class PgliteConnection extends EventEmitter {
  constructor(private readonly db: EmbeddedPostgres) {
    super();
  }

  async query(sql: string, params?: unknown[]): Promise<QueryResultLike> {
    if (params && params.length > 0) {
      const result = await this.db.query(sql, params);
      return { rows: result.rows, rowCount: result.affectedRows ?? result.rows.length, command: commandOf(sql) };
    }
    // Parameterless text may hold several statements (migrations); answer with the last result.
    const results = await this.db.exec(sql);
    const last = results[results.length - 1];
    return { rows: last?.rows ?? [], rowCount: last?.affectedRows ?? 0, command: commandOf(sql) };
  }
}

function commandOf(sql: string): string {
  return (/^\s*(\w+)/.exec(sql)?.[1] ?? '').toUpperCase();
}

export class PglitePool extends EventEmitter {
  private readonly connection: PgliteConnection;
  private queue: Promise<void> = Promise.resolve();

  constructor(db: EmbeddedPostgres) {
    super();
    this.connection = new PgliteConnection(db);
  }

  /** Hands out the single connection once the previous holder has released it. */
  connect(callback: (err: Error | null, conn: PgliteConnection | null, release: (err?: unknown) => void) => void): void {
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    const previous = this.queue;
    this.queue = previous.then(() => released);
    previous.then(
        () => callback(null, this.connection, () => release()),
        (err: Error) => {
          release();
          callback(err, null, () => undefined);
        },
      );
  }

  /** The embedded database belongs to whoever started it; TypeORM letting go does not close it. */
  end(callback?: (err?: Error | null) => void): void {
    callback?.(null);
  }
}
