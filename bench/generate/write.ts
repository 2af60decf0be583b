import type { Bundle, Resource } from '@medplum/fhirtypes';
import { mapWithConcurrency } from '../lib/concurrency';
import { ProgressBar } from '../../src/fhir/index/progress';
import { makeResident, residentId } from './people';
import { Random } from '../../src/station/seed/random';
import { makeRecord, practitionerId, PRACTITIONERS, STATION_ORG, USUAL } from './records';

/**
 * Writes the synthetic station through the server's own write path: FHIR transaction Bundles over
 * HTTP (validation, domain rules, indexing, history, audit — nothing bypassed), a few residents
 * per Bundle, several Bundles in flight. Resident 0 gets a record of exactly 200 resources, the
 * $everything case of the benchmark.
 */

export interface GenerateOptions {
  baseUrl: string;
  patients: number;
  seed: number;
  /** Fresh auth headers (tokens expire during long runs). */
  headers: () => Promise<Record<string, string>>;
  residentsPerBundle?: number;
  concurrency?: number;
}

export interface Generated {
  resources: number;
  seconds: number;
  /** Some residents (id, CCCD) spread over the population, to vary the queries. */
  samples: { id: string; cccd: string }[];
  /** The resident whose record has 200 resources. */
  bigPatient: string;
}

export const BIG_RECORD = { visits: 39, conditions: 2, immunizations: 2, prescriptions: 0 };
const SAMPLES = 1000;

export async function generate(options: GenerateOptions): Promise<Generated> {
  const perBundle = options.residentsPerBundle ?? 10;
  const started = Date.now();
  await post(options, [
    { resourceType: 'Organization', id: STATION_ORG, name: 'Trạm y tế xã' },
    ...Array.from({ length: PRACTITIONERS }, (_, i): Resource => ({ resourceType: 'Practitioner', id: practitionerId(i + 1), name: [{ family: 'Bác sĩ', given: [`${i + 1}`] }] })),
  ]);
  const groups = Array.from({ length: Math.ceil(options.patients / perBundle) }, (_, g) => g);
  const every = Math.max(1, Math.floor(options.patients / SAMPLES));
  const samples: Generated['samples'] = [];
  const bar = new ProgressBar('Sinh dữ liệu / Generating');
  let resources = 0;
  let done = 0;
  await mapWithConcurrency(groups, options.concurrency ?? 4, async (g) => {
    const entries: Resource[] = [];
    for (let i = g * perBundle; i < Math.min(options.patients, (g + 1) * perBundle); i++) {
      // One generator per resident: the same seed gives the same resident whatever the order of writing.
      const random = new Random(options.seed * 1_000_003 + i);
      const { patient, cccd } = makeResident(random, i, new Date(Date.UTC(2025, 0, 1)));
      entries.push(patient, ...makeRecord(random, patient.id!, i === 0 ? BIG_RECORD : USUAL));
      if (i % every === 0) samples.push({ id: patient.id!, cccd });
      done++;
    }
    await post(options, entries);
    resources += entries.length;
    bar.update(done, options.patients);
  });
  bar.finish();
  return { resources, seconds: (Date.now() - started) / 1000, samples, bigPatient: residentId(0) };
}

async function post(options: GenerateOptions, resources: Resource[]): Promise<void> {
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
