import type { Condition, Encounter } from '@medplum/fhirtypes';
import { CS, EXT, SYSTEMS } from '../canonical';
import { icd10Issues, type RuleContext } from './common';
import { error, extensionsOf, missing, warning, type Issue } from './issues';
import { knownCode, onTelemedicineList } from './terminology';

const VISIT_CLASSES: Record<string, string> = { AMB: 'khám tại trạm', HH: 'khám tại nhà', VR: 'khám từ xa' };

/** ICD-10 codes in a visit's reasons are checked wherever they appear. */
export function encounterElementIssues(e: Encounter, ctx: RuleContext): Issue[] {
  return (e.reasonCode ?? []).flatMap((r, i) => icd10Issues(r.coding, `Encounter.reasonCode[${i}].coding`, ctx.terminology));
}

/** A station visit: the fields of the examination register A1/YTCS (column numbers in messages). */
export function visitIssues(e: Encounter, ctx: RuleContext): Issue[] {
  const issues: Issue[] = [];
  const cls = e.class;
  if (cls?.system !== SYSTEMS.v3ActCode || !cls.code || !VISIT_CLASSES[cls.code]) {
    issues.push(error('Hình thức khám phải là AMB (tại trạm), HH (tại nhà) hoặc VR (từ xa), hệ mã v3-ActCode', 'Encounter.class must be AMB, HH or VR (v3-ActCode)', 'Encounter.class', 'code-invalid'));
  }
  const specialty = e.serviceType?.coding?.find((c) => c.system === CS.examSpecialty);
  if (!specialty) issues.push(missing('chuyên khoa được khám (mỗi chuyên khoa là một lượt khám)', 'Specialty examined', 'Encounter.serviceType'));
  else if (!knownCode(ctx.terminology, CS.examSpecialty, specialty.code)) {
    issues.push(error(`Chuyên khoa "${specialty.code}" không có trong danh mục`, `Unknown specialty "${specialty.code}"`, 'Encounter.serviceType', 'code-invalid'));
  }
  if (!e.subject?.reference?.startsWith('Patient/')) issues.push(missing('người được khám (Patient)', 'Subject (a Patient)', 'Encounter.subject'));
  if (!e.period?.start) issues.push(missing('ngày giờ khám', 'Visit date (period.start)', 'Encounter.period.start'));
  if (!(e.participant ?? []).some((p) => p.individual?.reference || p.individual?.display)) {
    issues.push(missing('người khám (cột 12)', 'Examiner (column 12)', 'Encounter.participant'));
  }
  if (!(e.reasonCode ?? []).some((r) => r.text || r.coding?.length)) {
    issues.push(missing('triệu chứng / lý do khám (cột 9)', 'Symptoms (column 9)', 'Encounter.reasonCode'));
  }
  if (e.status === 'finished') {
    if (!e.diagnosis?.length) issues.push(missing('chẩn đoán (cột 10) cho lượt khám đã kết thúc', 'Diagnosis (column 10) of a finished visit', 'Encounter.diagnosis'));
    if (!extensionsOf(e, EXT.treatment)[0]?.ext.valueString) issues.push(missing('xử trí (cột 11) cho lượt khám đã kết thúc', 'Treatment (column 11) of a finished visit', 'Encounter.extension'));
  }
  if ((e.diagnosis ?? []).filter((d) => d.rank === 1).length > 1) {
    issues.push(warning('Chỉ nên có một chẩn đoán chính (rank = 1)', 'Only one main diagnosis (rank 1) is expected', 'Encounter.diagnosis'));
  }
  if (cls?.code === 'VR') issues.push(...telemedicineIssues(e, ctx));
  return issues;
}

/** Circular 30/2023/TT-BYT: a remote visit's ICD-10 diagnosis should be on its list. */
function telemedicineIssues(e: Encounter, ctx: RuleContext): Issue[] {
  return (e.reasonCode ?? []).flatMap((r, i) =>
    (r.coding ?? [])
      .filter((c) => c.system === SYSTEMS.icd10 && c.code && !onTelemedicineList(ctx.terminology, c.code, ctx.config.extraTelemedicineCodes))
      .map((c) => {
        const vi = `Bệnh ${c.code} không có trong danh mục được khám chữa bệnh từ xa (Thông tư 30/2023/TT-BYT) mà trạm đang có: hãy khám trực tiếp hoặc kiểm tra lại mã`;
        const en = `${c.code} is not on the remote-examination list (Circular 30/2023) the station holds`;
        const at = `Encounter.reasonCode[${i}].coding`;
        return ctx.config.telemedicineListSeverity === 'error' ? error(vi, en, at, 'business-rule') : warning(vi, en, at, 'business-rule');
      }),
  );
}

/** ICD-10 codes in any Condition are checked for form; the station's diagnosis needs one. */
export function conditionIssues(c: Condition, ctx: RuleContext, full: boolean): Issue[] {
  const issues = icd10Issues(c.code?.coding, 'Condition.code.coding', ctx.terminology);
  if (!full) return issues;
  if (!(c.code?.coding ?? []).some((x) => x.system === SYSTEMS.icd10)) {
    issues.push(missing(`mã ICD-10 của chẩn đoán (hệ ${SYSTEMS.icd10})`, 'An ICD-10 code', 'Condition.code'));
  }
  if (!c.subject?.reference?.startsWith('Patient/')) issues.push(missing('người bệnh (Patient)', 'Subject (a Patient)', 'Condition.subject'));
  if (!c.recordedDate) issues.push(missing('ngày ghi nhận chẩn đoán', 'Recorded date', 'Condition.recordedDate'));
  return issues;
}
