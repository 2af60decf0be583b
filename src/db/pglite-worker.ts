import { Worker } from 'node:worker_threads';

/** The part of PGlite the driver uses, whether PGlite runs here or in a worker thread. */
export interface EmbeddedPostgres {
  query(sql: string, params?: unknown[]): Promise<{ rows: unknown[]; affectedRows?: number }>;
  exec(sql: string): Promise<{ rows: unknown[]; affectedRows?: number }[]>;
  close(): Promise<void>;
}

/**
 * Source of the worker. PGlite executes SQL as synchronous WebAssembly, so in the server's own
 * thread every query would stall all HTTP traffic; in a worker thread it does not. It is kept as
 * plain CommonJS text (run with `eval`) so the same code runs from compiled output and from the
 * TypeScript test runner, whose module sandbox cannot load PGlite's extension bundles.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { PGlite } = require('@electric-sql/pglite');
const extensions = {};
for (const name of workerData.extensions) extensions[name] = require('@electric-sql/pglite/contrib/' + name)[name];
const db = new PGlite({ dataDir: workerData.dataDir, extensions });
const fail = (id, err) => parentPort.postMessage({ id, error: {
  message: err.message, code: err.code, detail: err.detail, constraint: err.constraint, severity: err.severity,
  table: err.table, column: err.column, schema: err.schema } });
parentPort.on('message', async ({ id, op, sql, params }) => {
  try {
    await db.waitReady;
    if (op === 'query') {
      const r = await db.query(sql, params);
      parentPort.postMessage({ id, result: { rows: r.rows, affectedRows: r.affectedRows } });
    } else if (op === 'exec') {
      const rs = await db.exec(sql);
      parentPort.postMessage({ id, result: rs.map((r) => ({ rows: r.rows, affectedRows: r.affectedRows })) });
    } else if (op === 'close') {
      await db.close();
      parentPort.postMessage({ id, result: null });
    }
  } catch (err) { fail(id, err); }
});
`;

/** Starts PGlite in a worker thread; `dataDir` undefined keeps the database in memory. */
export function startEmbeddedPostgres(dataDir: string | undefined, extensions: string[]): EmbeddedPostgres {
  const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { dataDir, extensions } });
  let nextId = 0;
  const pending = new Map<number, { resolve: (v: any) => void; reject: (e: Error) => void }>();
  worker.on('message', ({ id, result, error }) => {
    const call = pending.get(id);
    if (!call) return;
    pending.delete(id);
    if (error) call.reject(Object.assign(new Error(error.message), error));
    else call.resolve(result);
  });
  worker.on('error', (err) => {
    for (const call of pending.values()) call.reject(err as Error);
    pending.clear();
  });
  const call = <T>(op: string, sql?: string, params?: unknown[]): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const id = nextId++;
      pending.set(id, { resolve, reject });
      worker.postMessage({ id, op, sql, params });
    });
  return {
    query: (sql, params) => call('query', sql, params ?? []),
    exec: (sql) => call('exec', sql),
    close: async () => {
      await call('close');
      await worker.terminate();
    },
  };
}
