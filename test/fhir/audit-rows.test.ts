import type { AuditEvent, AuditEventAgent } from '@medplum/fhirtypes';
import type { Actor } from '../../src/fhir/access';
import { buildAuditEvent, type AuditInput, type AuditInteraction } from '../../src/fhir/audit';
import { extendDefinitions, loadR4Definitions, type R4Definitions } from '../../src/fhir/definitions';
import { auditIndexRows, MAX_KINDS } from '../../src/fhir/index/audit-rows';
import * as extract from '../../src/fhir/index/extract';
import { loadConformancePack } from '../../src/fhir/validate/profiles';
import { builtPackDir } from '../station/helpers';

// The access log's rows taken the short way (src/fhir/index/audit-rows.ts: the row set remembered
// per kind of event, the event's own references and date read directly) must be exactly what the
// full extraction gives — for the first event of a kind and for every later one that differs from
// it only in what is its own (the resources named, the query, the time).

let defs: R4Definitions | undefined;
const ctx = (): extract.ExtractContext => {
  defs ??= extendDefinitions(loadR4Definitions(), loadConformancePack(builtPackDir()));
  return { defs, timeZone: 'Asia/Ho_Chi_Minh', baseUrl: 'http://localhost:8080/fhir' };
};

const ACTORS: Actor[] = [
  { id: 'nv-01', reference: 'Practitioner/p-1', display: 'Đặng Thị Hồng', roles: ['clinician', 'admin'], ip: '10.0.0.7' },
  { id: 'resident-app', reference: 'Patient/pt-1', display: 'Nguyễn Văn An', roles: ['resident'], ip: '2001:db8::1' },
  { id: 'national-platform', reference: 'Device/d-1', roles: ['system'], ip: 'gateway.example' },
  { id: 'anonymous', roles: [] },
];
const INTERACTIONS: AuditInteraction[] = ['read', 'vread', 'create', 'update', 'patch', 'delete', 'search', 'history-instance', 'history-type', 'history-system', 'operation', 'login', 'logout'];

/** The entities and patients of an access, in several shapes; `n` varies what is the event's own. */
function accesses(n: number): Pick<AuditInput, 'entities' | 'patients' | 'query' | 'resourceType'>[] {
  const patients = Array.from({ length: 3 + n }, (_, i) => `pt-${n}-${i}`);
  return [
    { entities: [], patients: [] },
    { entities: [`Patient/${patients[0]}/_history/${n + 1}`], patients: [patients[0]] },
    { entities: patients.map((p) => `Patient/${p}/_history/1`), patients, query: `name=ngu${n}&_count=${20 + n}`, resourceType: 'Patient' },
    {
      entities: [`Patient/${patients[1]}`, ...Array.from({ length: 2 + n }, (_, i) => `Observation/o-${n}-${i}/_history/2`)],
      patients: [patients[1]],
      query: `subject=Patient/${patients[1]}&code=http://loinc.org|8480-6&_sort=-date`,
      resourceType: 'Observation',
    },
    { entities: [`Encounter/e-${n}`, `http://localhost:8080/fhir/Condition/c-${n}`, `https://other.example/fhir/Patient/x-${n}`], patients: [] },
    { entities: [], patients: [], query: `_id=${n}`, resourceType: 'Appointment' },
    // Past the audited length: kept cut, with its length and digest (entity.detail).
    { entities: [], patients: [], query: `name=${'ngữ'.repeat(6_000 + n)}`, resourceType: 'Patient' },
  ];
}

/** Every kind of record the server writes (fhir/audit.ts), each access shape under each actor, interaction and outcome. */
function events(n: number): AuditEvent[] {
  const out: AuditEvent[] = [];
  for (const actor of ACTORS) {
    for (const interaction of INTERACTIONS) {
      for (const [outcome, outcomeDesc] of [['0', undefined], ['4', `403 refused ${n}`], ['8', `500 ${n}`]] as const) {
        for (const access of accesses(n)) {
          const recorded = new Date(Date.UTC(2026, 10, 30, 17, n, n, n)).toISOString();
          out.push({ ...buildAuditEvent({ actor, interaction, outcome, outcomeDesc, ...access }, recorded), id: `ae-${out.length}-${n}`, meta: { versionId: '1' } });
        }
      }
    }
  }
  return out;
}

describe('an AuditEvent the server builds is indexed the short way', () => {
  test('as the full extraction indexes it, for the first event of each kind and for later ones', () => {
    // Three rounds over the same kinds: the first meets each kind for the first time, the others
    // differ from it only in their own resources, query, outcome description and time.
    for (const n of [0, 1, 2]) {
      for (const event of events(n)) {
        expect({ id: event.id, rows: auditIndexRows(event, ctx()) }).toEqual({ id: event.id, rows: extract.extractIndexRows(event, ctx()) });
      }
    }
  });

  // A remembered kind hands out the row set it remembered (the same object); a full extraction
  // builds a new one each time.
  test('extracts in full only the first event of a kind', () => {
    const actor: Actor = { id: 'only-once', reference: 'Practitioner/p-9', display: 'Lê Văn Bình', roles: ['clinician'], ip: '10.0.0.9' };
    const search = (patients: string[], outcome: '0' | '4' = '0'): AuditEvent => ({
      ...buildAuditEvent({ actor, interaction: 'search', outcome, entities: patients.map((p) => `Patient/${p}`), patients, query: `name=${patients[0]}`, resourceType: 'Patient' }, `2026-11-30T10:0${patients.length}:00.${patients[0].charCodeAt(0)}Z`),
      id: patients.join('-'),
    });
    const sets = [search(['a', 'b']), search(['c', 'd', 'e']), search(['f'])].map((e) => auditIndexRows(e, ctx()).rowSet);
    expect(sets[0]).toBeDefined();
    expect(sets[1]).toBe(sets[0]);
    expect(sets[2]).toBe(sets[0]);
    // Another kind (a refusal): a set of its own, then remembered too.
    const refused = [search(['g'], '4'), search(['h'], '4')].map((e) => auditIndexRows(e, ctx()).rowSet);
    expect(refused[0]).not.toEqual(sets[0]);
    expect(refused[1]).toBe(refused[0]);
  });

  test('an event with rows of another kind than references and a date is extracted in full', () => {
    // An agent's policy is a uri row, which the short way does not read: that kind is left on the
    // full extraction. An entity's identifier is a token of the row set: it is part of the kind.
    const event = (patient: string, extra: Partial<AuditEventAgent>, identifier?: string): AuditEvent => ({
      resourceType: 'AuditEvent',
      id: patient,
      type: { system: 'http://terminology.hl7.org/CodeSystem/audit-event-type', code: 'rest' },
      recorded: `2026-11-30T10:00:0${patient.length}Z`,
      agent: [{ requestor: true, who: { reference: 'Practitioner/p-8' }, ...extra }],
      source: { observer: { display: 'commune-ehr' } },
      entity: [{ what: { reference: `Patient/${patient}`, identifier: identifier ? { system: 'urn:test', value: identifier } : undefined } }],
    });
    const withPolicy = ['a', 'bb', 'ccc'].map((p) => event(p, { policy: ['http://example.org/consent/1'] }));
    const policySets = withPolicy.map((e) => {
      const rows = auditIndexRows(e, ctx());
      expect(rows).toEqual(extract.extractIndexRows(e, ctx()));
      return rows.rowSet;
    });
    expect(policySets[1]).not.toBe(policySets[0]);
    expect(policySets[2]).not.toBe(policySets[1]);
    for (const e of [event('d', {}, 'same-identifier'), event('ee', {}, 'same-identifier'), event('f', {}, 'other-identifier')]) {
      expect(auditIndexRows(e, ctx())).toEqual(extract.extractIndexRows(e, ctx()));
    }
    // Security labels and tags are tokens of the set: part of the kind too.
    for (const code of ['R', 'V', 'R']) {
      const labelled = { ...event('g', {}), meta: { versionId: '1', security: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-Confidentiality', code }] } };
      expect(auditIndexRows(labelled, ctx())).toEqual(extract.extractIndexRows(labelled, ctx()));
    }
  });

  test('a parameter of our own on what is an event\'s own turns the short way off', () => {
    // A station indexing the outcome's description: two refusals of one kind differ only there.
    const described = extendDefinitions(loadR4Definitions(), {
      searchParameters: [
        { resourceType: 'SearchParameter', url: 'urn:test:outcome-desc', name: 'outcome-desc', status: 'active', code: 'outcome-desc', base: ['AuditEvent'], type: 'string', expression: 'AuditEvent.outcomeDesc', description: 'test' },
      ],
      codeSystems: [],
      valueSets: [],
    });
    const context = { defs: described, timeZone: 'Asia/Ho_Chi_Minh', baseUrl: 'http://localhost:8080/fhir' };
    const actor: Actor = { id: 'nv-02', reference: 'Practitioner/p-2', roles: ['clinician'] };
    for (const outcomeDesc of ['403 Không được phép', '404 Không tìm thấy']) {
      const event = { ...buildAuditEvent({ actor, interaction: 'read', outcome: '4', outcomeDesc, entities: ['Patient/x'], patients: [] }, '2026-11-30T10:00:00Z'), id: outcomeDesc.slice(0, 3) };
      const rows = auditIndexRows(event, context);
      expect(rows).toEqual(extract.extractIndexRows(event, context));
      expect(rows.rowSet?.string.map((r) => r.exact)).toContain(outcomeDesc);
    }
  });

  test(`remembers at most ${MAX_KINDS} kinds, then forgets them all at once`, () => {
    // Definitions of their own, so no other test's kinds count here.
    const fresh = { defs: extendDefinitions(loadR4Definitions(), { searchParameters: [], codeSystems: [], valueSets: [] }), timeZone: 'Asia/Ho_Chi_Minh', baseUrl: 'http://localhost:8080/fhir' };
    const read = (n: number, patient: string): AuditEvent => ({
      ...buildAuditEvent({ actor: { id: `app-${n}`, reference: `Patient/r-${n}`, roles: ['resident'] }, interaction: 'read', outcome: '0', entities: [`Patient/${patient}`], patients: [patient] }, '2026-11-30T10:00:00Z'),
      id: `${n}-${patient}`,
    });
    const first = auditIndexRows(read(0, 'a'), fresh).rowSet;
    for (let n = 1; n < MAX_KINDS; n++) auditIndexRows(read(n, 'a'), fresh);
    expect(auditIndexRows(read(0, 'b'), fresh).rowSet).toBe(first);
    auditIndexRows(read(MAX_KINDS, 'a'), fresh);
    const again = auditIndexRows(read(0, 'c'), fresh);
    expect(again.rowSet).not.toBe(first);
    expect(again).toEqual(extract.extractIndexRows(read(0, 'c'), fresh));
  });
});
