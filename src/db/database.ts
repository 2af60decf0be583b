/** Something SQL can be sent to: the database itself or an open transaction. */
export interface Queryable {
  /**
   * Runs one statement with bound parameters ($1, $2, …) and returns its rows. A `name` makes
   * PostgreSQL keep the statement prepared per connection (for hot statements whose text is fixed).
   */
  query<T = Record<string, unknown>>(sql: string, params?: readonly unknown[], name?: string): Promise<T[]>;
}

/** The storage the FHIR engine runs on; all SQL goes through here with bound parameters. */
export interface Database extends Queryable {
  /**
   * Runs `work` inside one database transaction: committed when it resolves, rolled back when it
   * throws.
   */
  transaction<T>(work: (tx: Transaction) => Promise<T>): Promise<T>;
  /** True when the database is the embedded PGlite (one session for the whole process). */
  readonly embedded: boolean;
  close(): Promise<void>;
}

/** An open transaction. */
export interface Transaction extends Queryable {
  readonly inTransaction: true;
}

/** Runs `work` in a transaction: the given one when already inside one, else a new one. */
export function inTransaction<T>(db: Database | Transaction, work: (tx: Transaction) => Promise<T>): Promise<T> {
  return 'inTransaction' in db ? work(db) : db.transaction(work);
}
