import type { Group, Identifier, Parameters, Patient, PatientLink, Resource } from '@medplum/fhirtypes';
import { badRequest, bilingual, invalidResource, notSupported, OperationOutcomeError, outcome } from '../outcomes';
import type { FhirRequest, Interaction } from '../request';
import type { Repository } from '../store/repository';
import { hasErrors } from '../validate/validator';
import { ACCESS_LOG_TYPE } from '../index/access-log';
import { everythingSearch } from './everything';
import { OperationInput } from './input';

/**
 * Patient/$merge (R5's operation, https://hl7.org/fhir/R5/patient-operation-merge.html): one
 * person registered twice becomes one record. In one transaction, every record of the source
 * Patient's compartment (visits, diagnoses, measurements, cards, households, appointments…) is
 * rewritten to refer to the target; the source is made inactive with a `replaced-by` link and
 * gives its identifiers to the target, which gets a `replaces` link. The access log (AuditEvents)
 * is left as it was: it records what happened to whom at the time.
 *
 * Each write goes through the repository as the caller — their grant, the station's rules and the
 * audit trail apply to every record moved, and a caller who may not write one of them moves none.
 * Identifiers: the source's are added to the target (marked `old` where the target already has one
 * of that system, e.g. a second station number) and taken off the source, so identifiers no two
 * current Patients may share (CCCD, station number) pass to the target; two different personal IDs
 * are refused (422): those are two people, or one number is wrong and must be corrected first.
 *
 * Inputs: `source-patient` / `target-patient` (references) or `source-patient-identifier` /
 * `target-patient-identifier` (one match each), `preview` (what would change, nothing written).
 * `result-patient` is not served (the target keeps its own details). Output: Parameters with
 * `input`, `outcome` and `result` (the target as it is after the merge).
 */
export const patientMerge: Interaction = async (req, _params, ctx) => {
  const input = new OperationInput(req);
  if (input.has('result-patient')) {
    throw notSupported('Không hỗ trợ result-patient: hồ sơ đích giữ thông tin của nó', 'result-patient is not supported: the target keeps its own details');
  }
  const preview = input.boolean('preview');
  const afterCommit: (() => void)[] = [];
  const answered = await ctx.repo.withTransaction(async (repo) => {
    const source = await patientFor(repo, input, 'source');
    const target = await patientFor(repo, input, 'target');
    if (source.id === target.id) throw badRequest('Hồ sơ nguồn và đích là một', 'The source and target are the same Patient');
    for (const [p, vi, en] of [[source, 'nguồn', 'source'], [target, 'đích', 'target']] as const) {
      if (p.link?.some((l) => l.type === 'replaced-by')) {
        throw unprocessable(`Hồ sơ ${vi} Patient/${p.id} đã được gộp vào hồ sơ khác`, `The ${en} Patient/${p.id} was already merged into another record`);
      }
    }
    refuseTwoPeople(repo, source, target);
    const records = (await compartmentOf(repo, source.id!, req)).filter((r) => !(r.resourceType === 'Patient' && (r.id === source.id || r.id === target.id)));
    const merged = mergedTarget(source, target);
    const retired = retiredSource(source, target);
    if (preview) {
      const issues = [...repo.validate(retired), ...repo.validate(merged)];
      if (hasErrors(issues)) throw invalidResource(issues);
      return answer(req, merged, records.length, true);
    }
    // The source first: it frees the identifiers the target takes (the constraints are checked per statement).
    await repo.update('Patient', source.id!, retired, { ifMatch: Number(source.meta!.versionId) });
    const result = await repo.update('Patient', target.id!, merged, { ifMatch: Number(target.meta!.versionId) });
    // What is bound to the source outside the record (a resident's app account and its grants)
    // follows it in this transaction, and is audited as the caller's change beside the records.
    // Before the records: a Consent repointed while the grants were still the source's would read
    // as consent moved away from the source, and stop them (AuthService.followConsent).
    for (const follower of ctx.mergeFollowers ?? []) {
      const followed = await repo.onConnection((tx) => follower.followMerge(tx, source.id!, target.id!));
      if (followed.audit) {
        await repo.auditChange({ interaction: 'operation', outcome: '0', outcomeDesc: followed.audit, entities: [], patients: [source.id!, target.id!] });
      }
      if (followed.afterCommit) afterCommit.push(followed.afterCommit);
    }
    for (const { resourceType, id } of records) {
      // Read again: moving a measurement may already have moved what the server derives from it (a z-score).
      const head = await repo.readHeadOrFail(resourceType, id!);
      if (head.deleted) continue;
      await repo.update(resourceType, id!, repointed(head.content, source.id!, target.id!, ctx.baseUrl), { ifMatch: head.versionId });
    }
    return answer(req, result.resource as Patient, records.length, false);
  });
  afterCommit.forEach((work) => work());
  return answered;
};

const unprocessable = (vi: string, en: string): OperationOutcomeError => new OperationOutcomeError(outcome('error', 'business-rule', bilingual(vi, en)), 422);

async function patientFor(repo: Repository, input: OperationInput, role: 'source' | 'target'): Promise<Patient> {
  const id = input.reference(`${role}-patient`, 'Patient');
  const identifiers = input.identifiers(`${role}-patient-identifier`);
  if (id !== undefined && identifiers.length) {
    throw badRequest(`Chỉ cho ${role}-patient hoặc ${role}-patient-identifier, không cả hai`, `Give ${role}-patient or ${role}-patient-identifier, not both`);
  }
  if (id !== undefined) return (await repo.read('Patient', id)) as Patient;
  if (!identifiers.length) throw badRequest(`Thiếu hồ sơ ${role === 'source' ? 'nguồn' : 'đích'} (${role}-patient)`, `Parameter ${role}-patient (or ${role}-patient-identifier) is required`);
  const query = identifiers.map((i) => `identifier=${encodeURIComponent(`${i.system ?? ''}|${i.value}`)}`).join('&');
  const match = await repo.findConditionalMatch('Patient', query, true);
  return (await repo.read('Patient', match!)) as Patient;
}

/**
 * Every record of the source's compartment but its access log, page by page (as $everything lists
 * them). The types are named, so a caller who may not search one of them is refused (403) rather
 * than served the part they may see: a merge that left records behind would leave them on a
 * retired record.
 */
async function compartmentOf(repo: Repository, id: string, req: FhirRequest): Promise<Resource[]> {
  const types = ['Patient', ...repo.ctx.defs.patientCompartment.keys()].filter((t) => t !== ACCESS_LOG_TYPE).join(',');
  const records: Resource[] = [];
  let cursor: string | undefined;
  do {
    const search = everythingSearch([['_type', types], ...(cursor ? [['_cursor', cursor] as [string, string]] : [])], id, repo.ctx.defs, repo.ctx.timeZone);
    search.include = [];
    const page = await repo.search(search, req.path);
    records.push(...page.resources);
    cursor = page.next;
  } while (cursor);
  return records;
}

const sameIdentifier = (a: Identifier, b: Identifier): boolean => a.system === b.system && a.value === b.value;

/**
 * Two different values of an identifier a person holds only one of (the station's personal ID,
 * engine `uniqueIdentifiers` marked `onePerPerson`): two people, or a number to correct first.
 */
function refuseTwoPeople(repo: Repository, source: Patient, target: Patient): void {
  for (const u of repo.ctx.uniqueIdentifiers.filter((x) => x.onePerPerson && x.resourceType === 'Patient')) {
    const values = (p: Patient): string[] => (p.identifier ?? []).filter((i) => i.system === u.system && i.value).map((i) => i.value!);
    const [a, b] = [values(source), values(target)];
    if (a.length && b.length && !a.some((v) => b.includes(v))) {
      throw unprocessable(
        `${u.label.vi} của hai hồ sơ khác nhau (${a.join(', ')} và ${b.join(', ')}): đó là hai người, hoặc một số bị nhập sai và cần sửa trước khi gộp`,
        `${u.label.en} differs between the two records (${a.join(', ')} and ${b.join(', ')}): they are two people, or one number is wrong and must be corrected before merging`,
      );
    }
  }
}

/** The target with the source's identifiers (`old` where it has one of that system already) and a `replaces` link. */
function mergedTarget(source: Patient, target: Patient): Patient {
  const kept = target.identifier ?? [];
  const added = (source.identifier ?? [])
    .filter((i) => !kept.some((k) => sameIdentifier(k, i)))
    .map((i) => (kept.some((k) => k.system === i.system) ? { ...i, use: 'old' as const } : i));
  const link: PatientLink = { other: { reference: `Patient/${source.id}` }, type: 'replaces' };
  return { ...target, identifier: kept.length || added.length ? [...kept, ...added] : undefined, link: [...(target.link ?? []), link] };
}

function retiredSource(source: Patient, target: Patient): Patient {
  const link: PatientLink = { other: { reference: `Patient/${target.id}` }, type: 'replaced-by' };
  const retired: Patient = { ...source, active: false, link: [...(source.link ?? []), link] };
  delete retired.identifier;
  return retired;
}

/**
 * `record` with every reference to the source (relative, absolute, versioned) made one to the
 * target; a household then listing the target twice keeps one membership.
 */
function repointed(record: Resource, sourceId: string, targetId: string, baseUrl: string): Resource {
  const refs = new Set([`Patient/${sourceId}`, `${baseUrl}/Patient/${sourceId}`]);
  const isSource = (ref: string): boolean => refs.has(ref.replace(/\/_history\/[^/]+$/, ''));
  const walk = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(walk);
    if (value === null || typeof value !== 'object') return value;
    const out: Record<string, unknown> = {};
    for (const [key, v] of Object.entries(value)) out[key] = key === 'reference' && typeof v === 'string' && isSource(v) ? `Patient/${targetId}` : walk(v);
    return out;
  };
  const moved = walk(record) as Resource;
  if (moved.resourceType === 'Group' && moved.member) {
    const seen = new Set<string>();
    (moved as Group).member = (moved as Group).member!.filter((m) => {
      const ref = m.entity.reference ?? '';
      if (seen.has(ref)) return false;
      seen.add(ref);
      return true;
    });
  }
  return moved;
}

/** The operation's output; the outcome's text names no record, so a page can show it as it is. */
function answer(req: FhirRequest, result: Patient, moved: number, preview: boolean): { status: number; resource: Parameters } {
  const text = preview
    ? bilingual(`Xem trước: ${moved} bản ghi sẽ được chuyển sang hồ sơ đích; chưa ghi gì`, `Preview: ${moved} records would move to the target; nothing was written`)
    : bilingual(`Đã gộp hồ sơ: ${moved} bản ghi đã chuyển sang hồ sơ đích`, `Merged: ${moved} records moved to the target`);
  const parameters: Parameters = {
    resourceType: 'Parameters',
    parameter: [
      { name: 'input', resource: (req.body as Parameters | undefined) ?? { resourceType: 'Parameters' } },
      { name: 'outcome', resource: outcome('information', 'informational', text) },
      { name: 'result', resource: result },
    ],
  };
  return { status: 200, resource: parameters };
}
