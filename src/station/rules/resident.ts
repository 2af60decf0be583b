import type { Group, Patient, RelatedPerson } from '@medplum/fhirtypes';
import { CS, EXT, SID, VN_CORE } from '../canonical';
import { addressIssues, identifierIssues, stationAddressIssues, type RuleContext } from './common';
import { codingOf, error, extensionsOf, missing, warning, type Issue } from './issues';
import { isFuture } from './record-dates';
import { knownCode } from './terminology';

/** Checks that apply to any Patient: identifiers, ethnic group, occupation, address codes. */
export function patientElementIssues(p: Patient, ctx: RuleContext): Issue[] {
  const issues = identifierIssues(p.identifier, 'Patient.identifier', ctx, p);
  for (const { ext, index } of extensionsOf(p, EXT.ethnicGroup)) {
    const c = ext.valueCoding;
    if (c?.system !== VN_CORE.race || !knownCode(ctx.terminology, VN_CORE.race, c.code)) {
      issues.push(
        error(
          `Mã dân tộc "${c?.code ?? ''}" không có trong danh mục 54 dân tộc (01–54; 55 người nước ngoài; 99 không rõ, hệ mã ${VN_CORE.race}): hãy chọn mã đúng`,
          `Ethnic code "${c?.code ?? ''}" is not in the GSO list (01–54, 55, 99) of ${VN_CORE.race}`,
          `Patient.extension[${index}].valueCoding`,
          'code-invalid',
        ),
      );
    }
  }
  for (const { ext, index } of extensionsOf(p, EXT.occupation)) {
    const bad = (ext.valueCodeableConcept?.coding ?? []).find((c) => c.system === VN_CORE.occupation && !knownCode(ctx.terminology, VN_CORE.occupation, c.code));
    if (bad) {
      issues.push(error(`Mã nghề nghiệp "${bad.code}" không có trong danh mục QĐ 4069 (01–12, 99)`, `Occupation code "${bad.code}" is not in the QĐ 4069 list`, `Patient.extension[${index}].valueCodeableConcept`, 'code-invalid'));
    }
  }
  (p.address ?? []).forEach((a, i) => issues.push(...addressIssues(a, `Patient.address[${i}]`, ctx)));
  return issues;
}

/** The Resident profile in full: what the personal health record's administrative part needs. */
export function residentIssues(p: Patient, ctx: RuleContext): Issue[] {
  const issues: Issue[] = [];
  if (!p.name?.length) issues.push(missing('họ và tên', 'Name', 'Patient.name'));
  if (!p.gender) issues.push(missing('giới tính', 'Gender', 'Patient.gender'));
  if (!p.birthDate) issues.push(missing('ngày sinh', 'Birth date', 'Patient.birthDate'));
  else if (isFuture(p.birthDate, ctx.timeZone)) issues.push(error('Ngày sinh ở tương lai', 'The birth date is in the future', 'Patient.birthDate'));
  if (!codingOf(p, EXT.ethnicGroup)) issues.push(missing('dân tộc (mã 01–54, 99 nếu không rõ)', 'Ethnic group', 'Patient.extension'));
  if ((p.identifier ?? []).filter((i) => i.system === VN_CORE.nationalId).length > 1) {
    issues.push(error('Chỉ được có một số định danh cá nhân (CCCD)', 'Only one personal ID is allowed', 'Patient.identifier'));
  }
  if (!p.address?.length) issues.push(missing('địa chỉ (tỉnh, xã, thôn)', 'Address', 'Patient.address'));
  (p.address ?? []).forEach((a, i) => issues.push(...stationAddressIssues(a, `Patient.address[${i}]`, ctx)));
  if (p.address?.length && !p.address.some((a) => codingOf(a, EXT.residenceType))) {
    issues.push(missing('loại cư trú (thường trú / tạm trú) ở địa chỉ cư trú', 'Residence type on the residence address', 'Patient.address'));
  }
  return issues;
}

/** A carer or emergency contact: who they are to the resident, and how to reach them. */
export function carerIssues(r: RelatedPerson, ctx: RuleContext, full: boolean): Issue[] {
  // The carer's own birth date and sex, when recorded, are what the CCCD's digits must agree with.
  const issues = identifierIssues(r.identifier, 'RelatedPerson.identifier', ctx, r);
  (r.address ?? []).forEach((a, i) => issues.push(...addressIssues(a, `RelatedPerson.address[${i}]`, ctx)));
  if (!full) return issues;
  if (!r.relationship?.length) issues.push(missing('quan hệ với người dân (ví dụ mẹ, con)', 'Relationship', 'RelatedPerson.relationship'));
  if (!r.name?.length) issues.push(missing('họ và tên người chăm sóc', 'Name', 'RelatedPerson.name'));
  if (!r.telecom?.length) issues.push(warning('Chưa có số điện thoại của người chăm sóc', 'No phone number for the carer', 'RelatedPerson.telecom'));
  return issues;
}

/** A household: its identifier, members with their role, one head. */
export function householdIssues(g: Group, ctx: RuleContext): Issue[] {
  const issues: Issue[] = [];
  if (!(g.identifier ?? []).some((i) => i.system === SID.household && i.value)) {
    issues.push(missing(`mã hộ (hệ ${SID.household})`, 'Household identifier', 'Group.identifier'));
  }
  if (g.type !== 'person' || g.actual !== true) issues.push(error('Hộ gia đình là nhóm người thật: type = person, actual = true', 'A household is an actual group of persons', 'Group.type'));
  let heads = 0;
  (g.member ?? []).forEach((m, i) => {
    const role = codingOf(m, EXT.householdRole)?.code;
    if (!role) issues.push(missing('quan hệ với chủ hộ', 'Relationship to the household head', `Group.member[${i}].extension`));
    else if (!knownCode(ctx.terminology, CS.householdRole, role)) issues.push(error(`Quan hệ "${role}" không hợp lệ`, `Unknown household role "${role}"`, `Group.member[${i}].extension`, 'code-invalid'));
    if (role === 'chu-ho' && !m.period?.end) heads++;
    if (!m.entity?.reference?.startsWith('Patient/')) {
      issues.push(error('Thành viên hộ phải là một người dân (Patient)', 'A household member must be a Patient', `Group.member[${i}].entity`));
    }
  });
  if (g.member?.length && heads !== 1) issues.push(warning(`Hộ nên có đúng một chủ hộ (đang có ${heads})`, `A household should have exactly one head (has ${heads})`, 'Group.member'));
  return issues;
}
