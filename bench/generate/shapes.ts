import { VN_CORE } from '../../src/station/canonical';
import { practitionerId, PRACTITIONERS } from './records';
import type { Plan } from './write';

/**
 * The query shapes the issue asks to measure, each a list of concrete paths under the FHIR base
 * (varied over sampled residents) plus the concurrency to run it at and the goal to compare with.
 */
export interface QueryShape {
  name: string;
  /** Paths relative to the FHIR base, e.g. `Patient?name=ngu`. */
  paths: string[];
  connections: number;
  goal?: { requestsPerSecond?: number; p95Ms?: number };
}

const LOINC = 'http://loinc.org';

export function queryShapes(data: Plan, connections: number): QueryShape[] {
  const each = (build: (s: Plan['samples'][number]) => string): string[] => data.samples.map(build);
  const everything = `Patient/${data.bigPatient}/$everything`;
  return [
    { name: 'name prefix (Patient?name=ngu)', paths: ['Patient?name=ngu'], connections, goal: { requestsPerSecond: 1300, p95Ms: 20 } },
    { name: 'identifier lookup (CCCD)', paths: each((s) => `Patient?identifier=${encodeURIComponent(`${VN_CORE.nationalId}|${s.cccd}`)}`), connections },
    {
      name: 'Observation?subject&code&_sort=-date',
      paths: each((s) => `Observation?subject=Patient/${s.id}&code=${encodeURIComponent(`${LOINC}|29463-7`)}&_sort=-date`),
      connections,
      goal: { requestsPerSecond: 1500, p95Ms: 20 },
    },
    { name: '_include (Encounter + participant)', paths: each((s) => `Encounter?subject=Patient/${s.id}&_include=Encounter:participant`), connections },
    // A staff member's visits, a page of thousands (each practitioner has a share of every visit).
    {
      name: "a practitioner's visits (Encounter?participant)",
      paths: Array.from({ length: PRACTITIONERS }, (_, i) => `Encounter?participant=Practitioner/${practitionerId(i + 1)}`),
      connections,
    },
    { name: '_revinclude (Patient + Encounters)', paths: each((s) => `Patient?_id=${s.id}&_revinclude=Encounter:subject`), connections },
    { name: '_total=accurate (Patient?gender=female)', paths: ['Patient?gender=female&_total=accurate'], connections },
    // The access log as an auditor asks it: who searched for this resident (events written by the
    // shapes above; token and string conditions go through row sets, docs/search.md §2).
    { name: 'access log (AuditEvent?entity&subtype)', paths: each((s) => `AuditEvent?entity=Patient/${s.id}&subtype=search-type&_sort=-date`), connections },
    { name: `$everything, 200 resources, c=${connections}`, paths: [everything], connections, goal: { requestsPerSecond: 90 } },
    { name: '$everything, 200 resources, c=1', paths: [everything], connections: 1, goal: { p95Ms: 20 } },
  ];
}
