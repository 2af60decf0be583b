import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PERF_NODE_ARGS, removePerfMap, summarisePerfScript } from '../../bench/lib/perf-profile';

// bench/lib/perf-profile.ts reads `perf script -F tid,ip,sym,dso`: a sample's thread id on a line of
// its own, then its stack, innermost frame first. The main thread is the server's pid.
const SCRIPT = [
  ' 100 ',
  '\t    7fa8 JS:*extractIndexRows /work/main/dist/src/fhir/index/extract.js:24:26 (/tmp/perf-100.map)',
  '\t    7fa9 JS:*commitVersion /work/main/dist/src/fhir/store/repository.js:524:24 (/tmp/perf-100.map)',
  '',
  ' 100 ',
  '\t    c494 v8::internal::JsonStringifier::Serialize_<false> (/usr/bin/node)',
  '\t    7fa7 JS:*writeNewVersions /work/main/dist/src/fhir/store/write.js:109:32 (/tmp/perf-100.map)',
  '',
  ' 100 ',
  '\t    ffff tcp_sendmsg ([kernel.kallsyms])',
  '\t    7fa6 JS:*writevGeneric node:internal/stream_base_commons:123:23 (/tmp/perf-100.map)',
  '',
  ' 100 ',
  '\t    c400 v8::internal::Scavenger::ScavengePage(v8::internal::MemoryChunk*) (/usr/bin/node)',
  '',
  ' 102 ',
  '\t    c300 v8::internal::ConcurrentMarking::RunMajor(v8::JobDelegate*) (/usr/bin/node)',
  '\t    c200 node::(anonymous namespace)::PlatformWorkerThread(void*) (/usr/bin/node)',
  '',
].join('\n');

test('charges each main-thread sample to its first JavaScript frame, and tells threads and kinds apart', () => {
  const s = summarisePerfScript(SCRIPT, 100);
  expect(s.samples).toBe(5);
  expect(s.threads).toEqual([
    { name: 'main thread', percent: 80 },
    { name: 'V8 helper (GC, compiler)', percent: 20 },
  ]);
  expect(s.functions.map((f) => [f.name, f.percent])).toEqual([
    ['extractIndexRows dist/src/fhir/index/extract.js:24', 25],
    ['writeNewVersions dist/src/fhir/store/write.js:109', 25],
    ['writevGeneric node:internal/stream_base_commons:123', 25],
    ['(no JavaScript on the stack) v8::internal::Scavenger::ScavengePage', 25],
  ]);
  expect(Object.fromEntries(s.kinds.map((k) => [k.name, k.percent]))).toEqual({
    'compiled JavaScript': 25,
    'V8 built-ins, interpreter and runtime (property lookups, JSON, strings…)': 25,
    'kernel (system calls, network)': 25,
    'garbage collection': 25,
  });
});

// `--perf-basic-prof` also turns on V8's log, which by default lands in the working directory —
// the repository, for the benches' server — as isolate-…-v8.log.
test('a server started with the perf flags leaves nothing in its working directory', () => {
  const cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'ehr-perf-flags-'));
  try {
    const child = spawnSync(process.execPath, [...PERF_NODE_ARGS, '-e', 'process.stdout.write(String(process.pid))'], { cwd, encoding: 'utf8' });
    expect(child.status).toBe(0);
    const pid = Number(child.stdout);
    expect(fs.existsSync(`/tmp/perf-${pid}.map`)).toBe(true);
    removePerfMap(pid);
    expect(fs.existsSync(`/tmp/perf-${pid}.map`)).toBe(false);
    expect(fs.readdirSync(cwd)).toEqual([]);
  } finally {
    fs.rmSync(cwd, { recursive: true, force: true });
  }
});
