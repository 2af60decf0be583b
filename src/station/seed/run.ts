import type { Bundle, Practitioner } from '@medplum/fhirtypes';
import type { FhirEngine } from '../../fhir/engine';
import type { InteractionContext } from '../../fhir/request';
import { localDay } from '../../fhir/search/dates';
import { bootstrapStation } from '../bootstrap';
import { SID } from '../canonical';
import type { StationConfig } from '../config';
import type { GrowthTables } from '../growth/tables';
import { vietnameseName } from '../model/person';
import type { StationTerminology } from '../rules/terminology';
import { householdBundle, SYNTHETIC, type BundleContext } from './bundles';
import { addTetanusInPregnancy, CarePlanner, type CarePlan } from './care';
import { STAFF } from './catalogue';
import { PopulationBuilder, type HouseholdPlan } from './population';
import { Random } from './random';

export interface SeedOptions {
  residents: number;
  seed: number;
  /** The synthetic commune's "today" (YYYY-MM-DD): a year of visits ends here. */
  asOf: string;
  /** Household transactions in flight at once. */
  concurrency: number;
  onProgress?: (progress: { residents: number; total: number; resources: number }) => void;
}

export interface SeedSummary {
  households: number;
  residents: number;
  resources: number;
  byType: Record<string, number>;
  /** Bootstrap (conformance pack, commune, staff), then the household transactions. */
  setupMilliseconds: number;
  milliseconds: number;
}

/**
 * Seeds a synthetic commune through the engine's own write path: one transaction Bundle per
 * household, dispatched exactly as `POST /fhir` would be (validation, station rules, indexing).
 * The same seed and `asOf` give the same commune; data generation stays in household order
 * whatever the concurrency.
 */
export async function seedCommune(
  engine: FhirEngine,
  config: StationConfig,
  terminology: StationTerminology,
  tables: GrowthTables | undefined,
  options: SeedOptions,
): Promise<SeedSummary> {
  const started = Date.now();
  const latest = latestAsOf(engine.repo.ctx.timeZone);
  if (options.asOf > latest) {
    throw new Error(`--as-of ${options.asOf} is not over yet: visits are planned through the whole day, and the station refuses records dated ahead of its clock; use ${latest} or earlier`);
  }
  await refuseNonEmpty(engine);
  const stationRefs = await bootstrapStation(engine, config);
  const staff = await storeStaff(engine);
  const setupMilliseconds = Date.now() - started;
  const writing = Date.now();
  const plans = planCommune(config, tables, options);
  // Bundle ids come from their own stream, so the plan does not depend on how it is written.
  const ids = new Random(options.seed ^ 0x5eed);
  const ctx: BundleContext = { config, terminology, refs: { organization: stationRefs.organization, staff }, asOf: options.asOf, random: ids };
  const interaction: InteractionContext = { repo: engine.repo, baseUrl: engine.repo.ctx.baseUrl, dispatch: (r, c) => engine.router.dispatch(r, c) };

  const byType: Record<string, number> = {};
  let households = 0;
  let residents = 0;
  let resources = 0;
  let numbered = 1;
  /** Plans the next household's bundle (synchronously, so the random stream keeps its order). */
  const take = (): { bundle: Bundle; size: number } | undefined => {
    const planned = plans.next();
    if (planned.done) return undefined;
    const { household, care } = planned.value;
    households++;
    const bundle = householdBundle(ctx, household, care, numbered);
    numbered += household.members.length;
    return { bundle, size: household.members.length };
  };
  const worker = async (): Promise<void> => {
    for (let job = take(); job; job = take()) {
      await engine.router.dispatch({ method: 'POST', path: '', query: [], headers: { prefer: 'return=minimal' }, body: job.bundle }, interaction);
      for (const entry of job.bundle.entry ?? []) byType[entry.resource!.resourceType] = (byType[entry.resource!.resourceType] ?? 0) + 1;
      residents += job.size;
      resources += job.bundle.entry?.length ?? 0;
      options.onProgress?.({ residents, total: options.residents, resources });
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, options.concurrency) }, worker));
  return { households, residents, resources, byType, setupMilliseconds, milliseconds: Date.now() - writing };
}

/**
 * The last day a commune can be seeded up to: yesterday in the station's zone. Visits are planned at
 * any hour of the as-of day, and today's later hours are still ahead (a record dated in the future
 * is refused).
 */
export function latestAsOf(timeZone: string, now = Date.now()): string {
  return localDay(timeZone, now - 86_400_000);
}

/**
 * The synthetic commune as plans, household by household (demographics first, then each member's
 * care): the same seed and `asOf` give the same commune, written or not.
 */
export function* planCommune(
  config: StationConfig,
  tables: GrowthTables | undefined,
  options: Pick<SeedOptions, 'residents' | 'seed' | 'asOf'>,
): Generator<{ household: HouseholdPlan; care: CarePlan[] }> {
  const random = new Random(options.seed);
  const households = new PopulationBuilder(random, config, options.asOf).households(options.residents);
  const planner = new CarePlanner(random, options.asOf, tables);
  for (const household of households) {
    const care = household.members.map((m) => planner.plan(m));
    addTetanusInPregnancy(household.members, care, options.asOf);
    yield { household, care };
  }
}

/** Seeding twice would duplicate people: only an empty database is seeded. */
async function refuseNonEmpty(engine: FhirEngine): Promise<void> {
  const req = engine.repo.parseSearch('Patient', [['_summary', 'count']]);
  const { total } = await engine.repo.search(req);
  if (total) throw new Error(`The database already holds ${total} patients; seed an empty database (synthetic data must not mix with real records).`);
}

/** The station's staff as Practitioners (upserted by licence number). */
async function storeStaff(engine: FhirEngine): Promise<string[]> {
  const refs: string[] = [];
  for (const s of STAFF) {
    const practitioner: Practitioner = {
      resourceType: 'Practitioner',
      meta: { security: [SYNTHETIC] },
      identifier: [{ system: SID.practitionerLicence, value: s.licence }],
      active: true,
      name: [vietnameseName(s.name)],
      qualification: [{ code: { text: s.title } }],
    };
    const { resource } = await engine.repo.conditionalUpdate('Practitioner', `identifier=${SID.practitionerLicence}|${s.licence}`, practitioner);
    refs.push(`Practitioner/${resource.id}`);
  }
  return refs;
}
