import { randomUUID } from 'node:crypto';
import type { Appointment, Coding, Encounter, Extension, Observation, OperationOutcomeIssue } from '@medplum/fhirtypes';
import { badRequest, bilingual, echoed } from '../fhir/outcomes';
import { resourceResponse, type Interaction } from '../fhir/request';
import type { Repository } from '../fhir/store/repository';
import { EXT, SYSTEMS } from '../station/canonical';
import { visitResources } from '../station/model/clinical';
import { loadStationTerminology } from '../station/rules/terminology';
import { atomically } from './atomic';
import { TM_EXT } from './canonical';
import { offListCodes } from './circular30';
import { refused, staffOnly } from './errors';
import { idOf } from './lookup';
import { OperationInput } from '../fhir/operations/input';
import { telemedicineSettings, type TelemedicineSettings } from './settings';

const ICD10_FORM = /^[A-Z]\d{2}(\.[0-9A-Z]{1,4})?$/;
/** Extensions $finish (re)writes on the encounter. */
const FINISH_EXTENSIONS = new Set<string>([EXT.treatment, EXT.visitNote, TM_EXT.advice, TM_EXT.listAcknowledgement]);

/**
 * Encounter/[id]/$finish — ends a remote consultation with the register fields: findings,
 * ICD-10 diagnoses (the first is the main one), treatment, advice. Parameters: findings,
 * diagnosis (Coding, 1..*), treatment, advice, acknowledge-off-list.
 *
 * Circular 30/2023: a main diagnosis off the list the station holds is refused when the station
 * set it so (422 tt30-refused); otherwise the clinician must acknowledge it (422
 * tt30-acknowledgement-required until `acknowledge-off-list=true`), and the acknowledgement —
 * code, who, when — is kept on the encounter. In one transaction: the diagnoses (Condition), the
 * findings (Observation), the finished encounter, the fulfilled appointment.
 */
export const finish: Interaction = async (req, { id }, ctx) => {
  staffOnly(ctx.repo, 'Chỉ nhân viên y tế mới kết thúc được lượt khám và ghi chẩn đoán', 'Only the station finishes a consultation and records its diagnosis, not a patient-context client');
  const input = new OperationInput(req);
  const diagnoses = icd10Codings(input.codings('diagnosis'));
  const fields = { findings: input.string('findings'), treatment: input.requiredString('treatment', 'xử trí'), advice: input.string('advice') };
  const acknowledged = input.boolean('acknowledge-off-list');
  const settings = telemedicineSettings();
  const offList = offListCodes(diagnoses.slice(0, 1), settings);
  checkOffList(offList, acknowledged, settings);
  const encounter = await atomically(ctx.repo, async (repo) => {
    await repo.findConditionalMatch('Encounter', `_id=${id}`);
    const current = (await repo.read('Encounter', id)) as Encounter;
    if (current.class?.code !== 'VR' || current.status !== 'in-progress') {
      throw refused('wrong-status', 'Chỉ kết thúc được lượt khám từ xa đang diễn ra', 'Only a remote encounter in progress can be finished');
    }
    const finished = await recordVisit(repo, current, diagnoses, fields);
    if (offList.length) finished.extension = [...(finished.extension ?? []), acknowledgement(offList, current)];
    const { resource } = await repo.update('Encounter', id, finished);
    if (fields.findings) await repo.create(findingsObservation(resource as Encounter, fields.findings));
    await fulfilAppointments(repo, current);
    return resource as Encounter;
  });
  const response = resourceResponse(200, encounter, ctx.baseUrl, false);
  if (offList.length) response.outcome = { resourceType: 'OperationOutcome', issue: [offListWarning(offList)] };
  return response;
};

function icd10Codings(codings: Coding[]): Coding[] {
  if (!codings.length) throw badRequest('Cần ít nhất một chẩn đoán ICD-10 (tham số diagnosis)', 'At least one ICD-10 diagnosis is required');
  return codings.map((c) => {
    const system = c.system || SYSTEMS.icd10;
    if (system !== SYSTEMS.icd10 || !ICD10_FORM.test(c.code ?? '')) {
      throw badRequest(`Chẩn đoán phải là mã ICD-10 (ví dụ J00, J31.1), không phải "${echoed(c.code)}"`, `Diagnoses must be ICD-10 codes, not "${echoed(c.code)}"`);
    }
    return { system, code: c.code };
  });
}

function checkOffList(offList: Coding[], acknowledged: boolean, settings: TelemedicineSettings): void {
  if (!offList.length) return;
  const codes = offList.map((c) => c.code).join(', ');
  if (settings.offListDiagnosis === 'refuse') {
    throw refused('tt30-refused', `Bệnh ${codes} không có trong danh mục được khám chữa bệnh từ xa (Thông tư 30/2023/TT-BYT): trạm không cho kết thúc lượt khám từ xa với chẩn đoán này; hãy hẹn khám trực tiếp`, `${codes} is not on the Circular 30/2023 remote-examination list; the station refuses remote visits with it`);
  }
  if (!acknowledged) {
    throw refused('tt30-acknowledgement-required', `Bệnh ${codes} không có trong danh mục được khám chữa bệnh từ xa (Thông tư 30/2023/TT-BYT): người khám cần xác nhận (acknowledge-off-list=true) hoặc hẹn khám trực tiếp`, `${codes} is not on the Circular 30/2023 list: acknowledge it (acknowledge-off-list=true) or examine in person`);
  }
}

function offListWarning(offList: Coding[]): OperationOutcomeIssue {
  const codes = offList.map((c) => c.code).join(', ');
  const text = bilingual(`Đã ghi nhận xác nhận của người khám: ${codes} ngoài danh mục TT 30/2023`, `The clinician acknowledged ${codes} is off the Circular 30/2023 list`);
  return { severity: 'warning', code: 'business-rule', diagnostics: text, details: { text }, expression: ['Encounter.reasonCode'] };
}

/** The station visit's register fields, built by the station's own visit builder (src/station/model/clinical.ts). */
async function recordVisit(repo: Repository, current: Encounter, diagnoses: Coding[], fields: { treatment: string; advice?: string }): Promise<Encounter> {
  const conditionIds = diagnoses.map(() => randomUUID());
  const examiner = current.participant?.[0]?.individual;
  const built = visitResources(
    {
      patientRef: current.subject!.reference!,
      examiner: { reference: examiner?.reference, display: examiner?.display ?? '' },
      start: current.period!.start!,
      class: 'VR',
      specialty: current.serviceType?.coding?.[0]?.code ?? 'noi',
      symptoms: current.reasonCode?.[0]?.text ?? '',
      diagnoses: diagnoses.map((d) => d.code!),
      treatment: fields.treatment,
    },
    loadStationTerminology(),
    conditionIds.map((cid) => `Condition/${cid}`),
  );
  for (const [i, condition] of built.conditions.entries()) {
    await repo.create({ ...condition, encounter: { reference: `Encounter/${current.id}` }, recorder: examiner }, undefined, conditionIds[i]);
  }
  const kept = (current.extension ?? []).filter((e) => !FINISH_EXTENSIONS.has(e.url));
  const extension: Extension[] = [...kept, ...(built.encounter.extension ?? [])];
  if (fields.advice) extension.push({ url: TM_EXT.advice, valueString: fields.advice });
  return {
    ...current,
    status: 'finished',
    period: { ...current.period, end: new Date().toISOString() },
    reasonCode: built.encounter.reasonCode,
    diagnosis: built.encounter.diagnosis,
    extension: extension.length ? extension : undefined,
  };
}

function acknowledgement(offList: Coding[], encounter: Encounter): Extension {
  const by = encounter.participant?.[0]?.individual;
  return {
    url: TM_EXT.listAcknowledgement,
    extension: [...offList.map((c) => ({ url: 'code', valueCoding: c })), { url: 'by', valueReference: { reference: by?.reference, display: by?.display } }, { url: 'at', valueDateTime: new Date().toISOString() }],
  };
}

/** Findings as a narrative exam observation (LOINC 29545-1 Physical findings). */
function findingsObservation(encounter: Encounter, findings: string): Observation {
  return {
    resourceType: 'Observation',
    status: 'final',
    category: [{ coding: [{ system: SYSTEMS.observationCategory, code: 'exam', display: 'Exam' }] }],
    code: { coding: [{ system: SYSTEMS.loinc, code: '29545-1', display: 'Physical findings Narrative' }], text: 'Khám thấy' },
    subject: encounter.subject,
    encounter: { reference: `Encounter/${encounter.id}` },
    performer: encounter.participant?.[0]?.individual ? [encounter.participant[0].individual] : undefined,
    effectiveDateTime: new Date().toISOString(),
    valueString: findings,
  };
}

async function fulfilAppointments(repo: Repository, encounter: Encounter): Promise<void> {
  for (const ref of encounter.appointment ?? []) {
    const appointmentId = idOf(ref.reference, 'Appointment');
    if (!appointmentId) continue;
    const appointment = (await repo.read('Appointment', appointmentId)) as Appointment;
    if (appointment.status !== 'fulfilled') await repo.update('Appointment', appointmentId, { ...appointment, status: 'fulfilled' });
  }
}
