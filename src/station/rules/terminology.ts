import fs from 'node:fs';
import path from 'node:path';
import type { CodeSystem, CodeSystemConcept } from '@medplum/fhirtypes';
import { CS, SYSTEMS } from '../canonical';
import { PROFILE_SOURCES_DIR } from '../profiles/pack';

/**
 * The code lists the station rules check against, read once from the code systems in
 * fhir-profiles/ (the same files the server serves), so a code added there is accepted everywhere.
 */
export interface StationTerminology {
  /** Codes by code-system URL, for complete code systems. */
  codes: ReadonlyMap<string, ReadonlySet<string>>;
  /** ICD-10 codes of our Vietnamese subset → on the Circular 30/2023 telemedicine list? */
  icd10: ReadonlyMap<string, { display: string; telemedicine: boolean }>;
  /** EPI vaccine → highest dose number in its series. */
  epiMaxDose: ReadonlyMap<string, number>;
  /** App → kind (e-health-book, telemedicine, station). */
  appKind: ReadonlyMap<string, string>;
  /** 2025 province codes, and commune code → province code for the curated provinces. */
  provinces: ReadonlySet<string>;
  communes: ReadonlyMap<string, string>;
  /** Pre-2025 commune and district codes of the curated provinces. */
  formerUnits: ReadonlySet<string>;
  /** Displays, for building resources and registers: `${system}|${code}` → display. */
  display(system: string, code: string): string | undefined;
}

let cached: StationTerminology | undefined;

/** Loads (once per folder) the station's terminology from fhir-profiles/. */
export function loadStationTerminology(dir: string = PROFILE_SOURCES_DIR): StationTerminology {
  if (cached && dir === PROFILE_SOURCES_DIR) return cached;
  const systems = new Map<string, CodeSystem>();
  for (const file of jsonFiles(path.join(dir, 'terminology'))) {
    const resource = JSON.parse(fs.readFileSync(file, 'utf8')) as CodeSystem;
    if (resource.resourceType === 'CodeSystem' && resource.url) systems.set(resource.url, resource);
  }
  const terminology = build(systems);
  if (dir === PROFILE_SOURCES_DIR) cached = terminology;
  return terminology;
}

function jsonFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) return jsonFiles(full);
    return e.name.endsWith('.json') ? [full] : [];
  });
}

function flatten(concepts: CodeSystemConcept[] | undefined): CodeSystemConcept[] {
  return (concepts ?? []).flatMap((c) => [c, ...flatten(c.concept)]);
}

const property = (c: CodeSystemConcept, code: string): NonNullable<CodeSystemConcept['property']>[number] | undefined =>
  c.property?.find((p) => p.code === code);

function build(systems: Map<string, CodeSystem>): StationTerminology {
  const codes = new Map<string, Set<string>>();
  const displays = new Map<string, string>();
  for (const [url, cs] of systems) {
    const all = flatten(cs.concept);
    all.forEach((c) => c.display && displays.set(`${url}|${c.code}`, c.display));
    if (cs.content === 'complete') codes.set(url, new Set(all.map((c) => c.code)));
  }
  const concepts = (url: string): CodeSystemConcept[] => flatten(systems.get(url)?.concept);
  const level = (c: CodeSystemConcept): string | undefined => property(c, 'level')?.valueCode;
  const communes = new Map<string, string>();
  for (const province of systems.get(CS.adminUnit2025)?.concept ?? []) {
    for (const commune of province.concept ?? []) communes.set(commune.code, province.code);
  }
  return {
    codes,
    icd10: new Map(concepts(SYSTEMS.icd10).map((c) => [c.code, { display: c.display ?? c.code, telemedicine: property(c, 'tt30-2023')?.valueBoolean === true }])),
    epiMaxDose: new Map(concepts(CS.epiVaccine).map((c) => [c.code, property(c, 'max-dose')?.valueInteger ?? 1])),
    appKind: new Map(concepts(CS.enrolmentApp).map((c) => [c.code, property(c, 'kind')?.valueCode ?? 'other'])),
    provinces: new Set(concepts(CS.adminUnit2025).filter((c) => level(c) === 'province').map((c) => c.code)),
    communes,
    formerUnits: new Set(concepts(CS.adminUnitPre2025).filter((c) => level(c) !== 'province').map((c) => c.code)),
    display: (system, code) => displays.get(`${system}|${code}`),
  };
}

/** True when `code` is in the complete code system `system` (VN Core race, our own lists). */
export function knownCode(t: StationTerminology, system: string, code: string | undefined): boolean {
  return code !== undefined && (t.codes.get(system)?.has(code) ?? false);
}

/**
 * Whether an ICD-10 code is on the Circular 30/2023 remote-examination list the station holds (the
 * subset's `tt30-2023` codes plus `extra`). The list names categories: a code inside one is that
 * disease (E66.9 under E66 obesity, M25.56 under M25.5 joint pain), so the code and each of its
 * ancestors are looked up; a listed subdivision (J31.1) does not admit its parent or siblings.
 */
export function onTelemedicineList(t: StationTerminology, code: string, extra: readonly string[]): boolean {
  for (let c = code; c.length >= 3; c = c.slice(0, -1).replace(/\.$/, '')) {
    if (t.icd10.get(c)?.telemedicine === true || extra.includes(c)) return true;
  }
  return false;
}
