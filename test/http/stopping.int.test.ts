import { createHook } from 'node:async_hooks';
import { startTestServer } from '../helpers/server';

// A stopped server leaves no interval of its own running (src/app.ts, src/db/pg-database.ts). The
// sign-in limiter sweeps its counts every minute; left running, that timer kept the limiter and —
// through the context it was started in — the whole server for the life of the process: each jest
// test file's server stayed in its worker's heap (~23 MB more per file).
describe('stopping', () => {
  test('a stopped server leaves no interval behind', async () => {
    const intervals = new Map<number, string>();
    const hook = createHook({
      init: (id, type, _trigger, resource) => {
        const timer = resource as { _repeat?: number | null; _idleTimeout?: number };
        if (type === 'Timeout' && timer._repeat) intervals.set(id, `every ${timer._idleTimeout} ms`);
      },
      destroy: (id) => void intervals.delete(id),
    }).enable();
    try {
      const server = await startTestServer();
      expect(intervals.size).toBeGreaterThan(0);
      await server.close();
      await new Promise((r) => setImmediate(r)); // destroy hooks run after the current tick
      expect([...intervals.values()]).toEqual([]);
    } finally {
      hook.disable();
    }
  });
});
