import fs from 'node:fs';
import path from 'node:path';
import type { CodeSystem, CodeSystemConcept, ConceptMap, Resource, ValueSet } from '@medplum/fhirtypes';
import { CS } from '../canonical';

/**
 * Turns the third-party reference data in ../shared/reference-data into the small FHIR resources
 * committed under fhir-profiles/terminology/ (with the data's licence files beside them).
 * `npm run build:profiles -- --curate` reruns it; a test checks the committed files still equal
 * its output, so the curated copies can never silently drift from their source.
 */

export interface CuratedFile {
  /** Path below fhir-profiles/terminology/. */
  file: string;
  resource: Resource;
}

/** Licence (and provenance) files copied next to the curated resources. */
export const CURATED_LICENCES: { from: string; to: string }[] = [
  { from: 'vn-core-ig-codesystems/LICENSE-vn-core-ig.txt', to: 'vn-core/LICENSE-vn-core-ig.txt' },
  { from: 'vn-admin-units-2025/LICENSE-vietnamese-provinces-database.txt', to: 'admin-units/LICENSE-vietnamese-provinces-database.txt' },
  { from: 'vn-admin-units-mapping-2025/LICENSE-dvhcvn-20250701.txt', to: 'admin-units/LICENSE-dvhcvn-20250701.txt' },
];

/** Every curated resource, for the provinces whose communes the deployment needs (e.g. ['38']). */
export function curateAll(referenceDir: string, provinces: readonly string[]): CuratedFile[] {
  const vnCore = path.join(referenceDir, 'vn-core-ig-codesystems');
  const files: CuratedFile[] = [
    { file: 'vn-core/CodeSystem-vn-core-race.json', resource: codeSystemFromXml(readText(vnCore, 'CodeSystem-vn-core-race-v1.0.xml')) },
    { file: 'vn-core/CodeSystem-vn-core-ethic.json', resource: codeSystemFromXml(readText(vnCore, 'CodeSystem-vn-core-ethic-v1.0.xml')) },
    {
      file: 'vn-core/CodeSystem-vn-core-occupation-4069.json',
      resource: codeSystemFromXml(readText(vnCore, 'CodeSystem-vn-core-occupation-4069-v1.0.xml')),
    },
    { file: 'vn-core/ValueSet-vn-core-race.json', resource: valueSetFromXml(readText(vnCore, 'ValueSet-vn-core-race.xml')) },
  ];
  files.push(...curateAdminUnits(referenceDir, provinces));
  return files;
}

function readText(dir: string, file: string): string {
  return fs.readFileSync(path.join(dir, file), 'utf8');
}

// ------------------------------------------------------------------ VN Core XML → JSON

const XML_ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

function decode(text: string): string {
  return text.replace(/&(lt|gt|amp|quot|apos);/g, (_, name: string) => XML_ENTITIES[name]);
}

/** The `value` attribute of the first `<name value="…"/>` in `xml`. */
function attr(xml: string, name: string): string | undefined {
  const match = new RegExp(`<${name} value="([^"]*)"`).exec(xml);
  return match ? decode(match[1]).trim() : undefined;
}

/**
 * The VN Core files are flat FHIR XML (no nesting beyond contact and concept), so their few
 * fields are read directly; a general XML parser would be a dependency for four files.
 */
function codeSystemFromXml(xml: string): CodeSystem {
  const header = xml.split('<concept>')[0].replace(/<contact>[\s\S]*?<\/contact>/g, '');
  const concepts = [...xml.matchAll(/<concept>([\s\S]*?)<\/concept>/g)].map(([, body]): CodeSystemConcept => {
    const concept: CodeSystemConcept = { code: attr(body, 'code')!, display: attr(body, 'display') };
    const definition = attr(body, 'definition');
    if (definition) concept.definition = definition.replace(/\s*\n\s*/g, ' ');
    return concept;
  });
  return {
    resourceType: 'CodeSystem',
    id: attr(header, 'id'),
    url: attr(header, 'url'),
    version: attr(header, 'version'),
    name: attr(header, 'name'),
    status: attr(header, 'status') as CodeSystem['status'],
    experimental: attr(header, 'experimental') === 'true',
    date: attr(header, 'date'),
    publisher: attr(header, 'publisher'),
    description: attr(header, 'description'),
    copyright: attr(header, 'copyright'),
    caseSensitive: attr(header, 'caseSensitive') === 'true',
    content: attr(header, 'content') as CodeSystem['content'],
    count: concepts.length,
    concept: concepts,
  };
}

function valueSetFromXml(xml: string): ValueSet {
  const header = xml.split('<compose>')[0].replace(/<contact>[\s\S]*?<\/contact>/g, '').replace(/<jurisdiction>[\s\S]*?<\/jurisdiction>/g, '');
  return {
    resourceType: 'ValueSet',
    id: attr(header, 'id'),
    url: attr(header, 'url'),
    version: attr(header, 'version'),
    name: attr(header, 'name'),
    title: attr(header, 'title'),
    status: attr(header, 'status') as ValueSet['status'],
    date: attr(header, 'date'),
    publisher: attr(header, 'publisher'),
    description: attr(header, 'description'),
    jurisdiction: [{ coding: [{ system: 'urn:iso:std:iso:3166', code: 'VN', display: 'Vietnam' }] }],
    compose: { include: [{ system: attr(xml.split('<compose>')[1] ?? '', 'system') }] },
  };
}

// ------------------------------------------------------------------ administrative units

interface Unit2025 {
  Code: string;
  FullName: string;
  Wards?: Unit2025[];
}
interface UnitPre2025 {
  Code: string;
  FullName: string;
  District?: UnitPre2025[] | null;
  Ward?: UnitPre2025[] | null;
}
interface MergeProvince {
  level1_id: string;
  level2s: { level2_id: string; name: string; merges: { old_id: string; name: string; type: 'full' | 'partial' }[] }[];
}

const LEVEL_PROPERTY = [{ code: 'level', type: 'code' as const, description: 'province | district | commune' }];

function unitConcept(code: string, display: string, level: string, children?: CodeSystemConcept[]): CodeSystemConcept {
  const concept: CodeSystemConcept = { code, display, property: [{ code: 'level', valueCode: level }] };
  if (children?.length) concept.concept = children;
  return concept;
}

function curateAdminUnits(referenceDir: string, provinces: readonly string[]): CuratedFile[] {
  const wanted = new Set(provinces);
  const current = JSON.parse(readText(path.join(referenceDir, 'vn-admin-units-2025'), 'full_json_generated_data_vn_units_2026-07-25__20_49_07.json')) as Unit2025[];
  const before = JSON.parse(readText(path.join(referenceDir, 'vn-admin-units-pre-2025'), 'simplified_json_generated_data_vn_units_minified.json')) as UnitPre2025[];
  const merges = JSON.parse(readText(path.join(referenceDir, 'vn-admin-units-mapping-2025'), 'merges.json')) as { data: MergeProvince[] };

  const scope = `Toàn bộ tỉnh/thành; xã/phường của: ${[...wanted].join(', ')} / All provinces; communes of ${[...wanted].join(', ')}`;
  const newUnits: CodeSystem = {
    resourceType: 'CodeSystem',
    id: 'vn-admin-unit-2025',
    url: CS.adminUnit2025,
    name: 'VnAdminUnit2025',
    title: 'Đơn vị hành chính từ 1/7/2025 (QĐ 19/2025/QĐ-TTg) / Administrative units from 1 July 2025',
    status: 'active',
    description: `Mã tỉnh 2 chữ số và mã xã 5 chữ số (hai cấp). ${scope}. Nguồn: thanglequoc/vietnamese-provinces-database (MIT), dữ liệu TCTK.`,
    caseSensitive: true,
    hierarchyMeaning: 'part-of',
    content: 'fragment',
    property: LEVEL_PROPERTY,
    concept: current.map((p) =>
      unitConcept(p.Code, p.FullName, 'province', wanted.has(p.Code) ? (p.Wards ?? []).map((w) => unitConcept(w.Code, w.FullName, 'commune')) : []),
    ),
  };
  const oldUnits: CodeSystem = {
    resourceType: 'CodeSystem',
    id: 'vn-admin-unit-pre-2025',
    url: CS.adminUnitPre2025,
    name: 'VnAdminUnitPre2025',
    title: 'Đơn vị hành chính trước 1/7/2025 (ba cấp) / Administrative units before 1 July 2025',
    status: 'active',
    description: `Mã theo QĐ 124/2004/QĐ-TTg, trạng thái 01/03/2025. ${scope}. Nguồn: thanglequoc/vietnamese-provinces-database (MIT).`,
    caseSensitive: true,
    hierarchyMeaning: 'part-of',
    content: 'fragment',
    property: LEVEL_PROPERTY,
    concept: before.map((p) => {
      const districts = wanted.has(p.Code)
        ? (p.District ?? []).map((d) => unitConcept(d.Code, d.FullName, 'district', (d.Ward ?? []).map((w) => unitConcept(w.Code, w.FullName, 'commune'))))
        : [];
      return unitConcept(p.Code, p.FullName, 'province', districts);
    }),
  };
  const map: ConceptMap = {
    resourceType: 'ConceptMap',
    id: 'vn-admin-unit-2025-merges',
    url: `${CS.adminUnit2025.replace('/CodeSystem/', '/ConceptMap/')}-merges`,
    name: 'VnAdminUnit2025Merges',
    title: 'Xã cũ → xã mới (1/7/2025) / Former commune → new commune',
    status: 'draft',
    description: `Không chính thức (trích bằng LLM rồi kiểm tra tay, dvhcvn/20250701, MIT). ${scope}.`,
    sourceUri: CS.adminUnitPre2025,
    targetUri: CS.adminUnit2025,
    group: [
      {
        source: CS.adminUnitPre2025,
        target: CS.adminUnit2025,
        element: communeMappings(merges.data.filter((p) => wanted.has(p.level1_id))),
      },
    ],
  };
  return [
    { file: 'admin-units/CodeSystem-vn-admin-unit-2025.json', resource: newUnits },
    { file: 'admin-units/CodeSystem-vn-admin-unit-pre-2025.json', resource: oldUnits },
    { file: 'admin-units/ConceptMap-vn-admin-unit-2025-merges.json', resource: map },
  ];
}

/** new→old merges turned around: one element per former commune, one target per new commune. */
function communeMappings(provinces: MergeProvince[]): NonNullable<ConceptMap['group']>[number]['element'] {
  type Target = { code: string; display: string; equivalence: 'wider' | 'inexact'; comment?: string };
  const byOld = new Map<string, { display: string; targets: Target[] }>();
  for (const province of provinces) {
    for (const commune of province.level2s) {
      for (const old of commune.merges) {
        const entry = byOld.get(old.old_id) ?? { display: old.name, targets: [] };
        // A whole former commune inside a bigger new one: the target is wider; part of it: inexact.
        entry.targets.push(
          old.type === 'full'
            ? { code: commune.level2_id, display: commune.name, equivalence: 'wider' }
            : { code: commune.level2_id, display: commune.name, equivalence: 'inexact', comment: 'Một phần xã cũ thuộc xã mới này / part of the former commune' },
        );
        byOld.set(old.old_id, entry);
      }
    }
  }
  return [...byOld.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([code, { display, targets }]) => ({ code, display, target: targets }));
}
