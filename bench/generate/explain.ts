import type { Database, Transaction } from '../../src/db/database';
import type { FhirEngine } from '../../src/fhir/engine';
import { Repository } from '../../src/fhir/store/repository';

/**
 * EXPLAIN for each query shape: the shape is run once in-process through the engine's own router,
 * with a database wrapper that records every SELECT it sends; each recorded statement is then
 * explained (ANALYZE, so the plan shown is the plan run) and checked for a sequential scan of a
 * big table.
 */

export interface Explained {
  sql: string;
  plan: string[];
  /** Tables read by a sequential scan (should be none). */
  seqScans: string[];
}

interface Statement {
  sql: string;
  params: readonly unknown[];
}

function recording(db: Database, into: Statement[]): Database {
  const record = (sql: string, params?: readonly unknown[]): void => {
    if (/^\s*(WITH|SELECT)\b/i.test(sql) && !/pg_stat_activity/.test(sql)) into.push({ sql, params: params ?? [] });
  };
  const wrap = (tx: Transaction): Transaction => ({
    inTransaction: true,
    query: (sql, params) => {
      record(sql, params);
      return tx.query(sql, params);
    },
  });
  return {
    embedded: db.embedded,
    close: () => db.close(),
    query: (sql, params) => {
      record(sql, params);
      return db.query(sql, params);
    },
    transaction: (work) => db.transaction((tx) => work(wrap(tx))),
  };
}

const BIG_TABLES = /Seq Scan on (resource|resource_history|idx_\w+)\b/;

export async function explainShape(db: Database, engine: FhirEngine, baseUrl: string, path: string): Promise<Explained[]> {
  const statements: Statement[] = [];
  const repo = new Repository(recording(db, statements), engine.repo.ctx);
  const [route, qs = ''] = path.split('?');
  const query = [...new URLSearchParams(qs)] as [string, string][];
  const ctx = { repo, baseUrl, dispatch: engine.router.dispatch };
  const res = await engine.router.dispatch({ method: 'GET', path: route, query, headers: {} }, ctx);
  if (res.status !== 200) throw new Error(`${path} answered ${res.status} in-process`);
  const out: Explained[] = [];
  for (const s of statements) {
    const rows = await db.query<{ 'QUERY PLAN': string }>(`EXPLAIN (ANALYZE, BUFFERS) ${s.sql}`, s.params);
    const plan = rows.map((r) => r['QUERY PLAN']);
    out.push({ sql: s.sql, plan, seqScans: plan.map((line) => BIG_TABLES.exec(line)?.[1]).filter((t): t is string => !!t) });
  }
  return out;
}

/**
 * The same shape run `times` times in-process through the router with the system repository: the
 * engine alone, without HTTP, authentication or the audit trail, for comparison with the load figures.
 */
export async function timeInProcess(engine: FhirEngine, baseUrl: string, paths: string[], times: number): Promise<{ p50: number; p95: number }> {
  const ctx = { repo: engine.repo, baseUrl, dispatch: engine.router.dispatch };
  const ms: number[] = [];
  for (let i = 0; i < times; i++) {
    const [route, qs = ''] = paths[i % paths.length].split('?');
    const started = process.hrtime.bigint();
    await engine.router.dispatch({ method: 'GET', path: route, query: [...new URLSearchParams(qs)] as [string, string][], headers: {} }, ctx);
    ms.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
  ms.sort((a, b) => a - b);
  return { p50: ms[Math.floor(ms.length / 2)], p95: ms[Math.floor(ms.length * 0.95)] };
}
