import type { Bundle, Resource } from '@medplum/fhirtypes';
import { mapWithConcurrency } from '../lib/concurrency';
import { ProgressBar } from '../../src/fhir/index/progress';
import { makeResident, residentId } from './people';
import { Random } from '../../src/station/seed/random';
import { makeRecord, practitionerId, PRACTITIONERS, STATION_ORG, USUAL } from './records';

/**
 * The synthetic station, planned then written. Planning is pure (the seed and the size decide
 * every resource), so a run that measures a database generated earlier recomputes what the queries
 * need (sample ids and CCCDs, the 200-resource resident) without writing anything. Writing goes
 * through the server's own write path: FHIR transaction Bundles over HTTP (validation, domain
 * rules, indexing, history, audit — nothing bypassed), a few residents per Bundle, several Bundles
 * in flight. The first resident born before 2000 gets a record of exactly 200 resources, the
 * $everything case (an adult: a child's heights would bring z-scores derived by the server).
 */

export interface Plan {
  patients: number;
  seed: number;
  /** Number of Bundles; Bundle g holds residents g·perBundle onwards. */
  bundles: number;
  perBundle: number;
  /** Some residents (id, CCCD) spread over the population, to vary the queries. */
  samples: { id: string; cccd: string }[];
  /** The resident whose record has 200 resources. */
  bigPatient: string;
}

export const BIG_RECORD = { visits: 39, conditions: 2, immunizations: 2, prescriptions: 0 };
const SAMPLES = 1000;
// Birth years are drawn up to the year before this date: fixed, so a seed means the same station every year.
const NOW = new Date(Date.UTC(2025, 0, 1));

// One generator per resident: the same seed gives the same resident whatever the order of writing.
const randomFor = (seed: number, index: number): Random => new Random(seed * 1_000_003 + index);

export function planStation(patients: number, seed: number, perBundle = 10): Plan {
  const every = Math.max(1, Math.floor(patients / SAMPLES));
  const samples: Plan['samples'] = [];
  for (let i = 0; i < patients; i += every) {
    const { patient, cccd } = makeResident(randomFor(seed, i), i, NOW);
    samples.push({ id: patient.id!, cccd });
  }
  let big = 0;
  while (makeResident(randomFor(seed, big), big, NOW).patient.birthDate! >= '2000') big++;
  return { patients, seed, bundles: Math.ceil(patients / perBundle), perBundle, samples, bigPatient: residentId(big) };
}

/** The residents of Bundle `g` with their records. */
export function bundleResources(plan: Plan, g: number): Resource[] {
  const entries: Resource[] = [];
  for (let i = g * plan.perBundle; i < Math.min(plan.patients, (g + 1) * plan.perBundle); i++) {
    const random = randomFor(plan.seed, i);
    const { patient } = makeResident(random, i, NOW);
    entries.push(patient, ...makeRecord(random, patient.id!, patient.birthDate!, patient.id === plan.bigPatient ? BIG_RECORD : USUAL));
  }
  return entries;
}

export interface WriteOptions {
  baseUrl: string;
  /** Fresh auth headers (tokens expire during long runs). */
  headers: () => Promise<Record<string, string>>;
  /** Residents already in the database (a resumed run): their Bundles are not sent again. */
  written?: ReadonlySet<string>;
  /** Refreshes the planner's statistics (ANALYZE); called from 1,000 residents on, each time the count doubles. */
  analyze?: () => Promise<void>;
  concurrency?: number;
}

/** Writes the plan's Bundles; returns how many resources this call wrote and in how many seconds. */
export async function writeStation(plan: Plan, options: WriteOptions): Promise<{ resources: number; seconds: number }> {
  const started = Date.now();
  await post(options, [
    { resourceType: 'Organization', id: STATION_ORG, name: 'Trạm y tế xã' },
    ...Array.from({ length: PRACTITIONERS }, (_, i): Resource => ({ resourceType: 'Practitioner', id: practitionerId(i + 1), name: [{ family: 'Bác sĩ', given: [`${i + 1}`] }] })),
  ]);
  // A Bundle is one transaction: its first resident present means the whole Bundle is.
  const todo = Array.from({ length: plan.bundles }, (_, g) => g).filter((g) => !options.written?.has(residentId(g * plan.perBundle)));
  if (todo.length < plan.bundles) console.log(`Resuming: ${plan.bundles - todo.length} of ${plan.bundles} Bundles already written`);
  const residents = (g: number): number => Math.min(plan.patients, (g + 1) * plan.perBundle) - g * plan.perBundle;
  const total = todo.reduce((n, g) => n + residents(g), 0);
  const bar = new ProgressBar('Sinh dữ liệu / Generating residents');
  let resources = 0;
  let done = 0;
  // What autovacuum does as a table grows. Without it (autovacuum is off on the bench machine, and
  // PGlite has none) the server's connections keep the plans made over empty tables: the read
  // before each PUT walked every stored resource of its type, 5 residents/s at 4,000 residents
  // and falling, 21/s after one ANALYZE.
  let analyzeAt = 1000;
  await mapWithConcurrency(todo, options.concurrency ?? 4, async (g) => {
    const entries = bundleResources(plan, g);
    await post(options, entries);
    resources += entries.length;
    bar.update((done += residents(g)), total);
    if (options.analyze && done >= analyzeAt) {
      analyzeAt *= 2;
      await options.analyze();
    }
  });
  bar.finish();
  return { resources, seconds: (Date.now() - started) / 1000 };
}

async function post(options: WriteOptions, resources: Resource[]): Promise<void> {
  const bundle: Bundle = {
    resourceType: 'Bundle',
    type: 'transaction',
    entry: resources.map((resource) => ({ resource, request: { method: 'PUT', url: `${resource.resourceType}/${resource.id}` } })),
  };
  const res = await fetch(options.baseUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/fhir+json', prefer: 'return=minimal', ...(await options.headers()) },
    body: JSON.stringify(bundle),
  });
  if (res.status !== 200) throw new Error(`A transaction of ${resources.length} resources failed: HTTP ${res.status} ${(await res.text()).slice(0, 800)}`);
  await res.arrayBuffer();
}
