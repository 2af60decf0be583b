import type { Basic, Coverage, Immunization, Location, Organization } from '@medplum/fhirtypes';
import { CS, EXT, SID, SYSTEMS, VN_CORE } from '../canonical';
import { isBhytProblem, parseBhyt } from '../identifiers/bhyt';
import { addressIssues, identifierIssues, type RuleContext } from './common';
import { codingOf, error, extensionsOf, missing, warning, type Issue } from './issues';
import { knownCode } from './terminology';

/** A BHYT card: code, category and benefit level agreeing with the code, validity, facility. */
export function coverageIssues(c: Coverage, ctx: RuleContext, full: boolean): Issue[] {
  const issues = identifierIssues(c.identifier, 'Coverage.identifier', ctx);
  if (!full) return issues;
  const cardIndex = (c.identifier ?? []).findIndex((i) => i.system === VN_CORE.insuranceNumber);
  if (cardIndex < 0) return [...issues, missing(`mã thẻ BHYT (identifier hệ ${VN_CORE.insuranceNumber})`, 'BHYT card code', 'Coverage.identifier')];
  const card = parseBhyt(c.identifier![cardIndex].value ?? '');
  const classValue = (type: string): { value?: string; index: number } => {
    const index = (c.class ?? []).findIndex((k) => k.type?.coding?.some((x) => x.system === SYSTEMS.coverageClass && x.code === type));
    return { value: c.class?.[index]?.value, index };
  };
  const category = classValue('group');
  const level = classValue('plan');
  if (!category.value) issues.push(missing('đối tượng BHYT (class group, 2 chữ cái đầu mã thẻ)', 'Beneficiary category (class group)', 'Coverage.class'));
  if (!level.value) issues.push(missing('mức hưởng BHYT (class plan, ký tự thứ 3 mã thẻ)', 'Benefit level (class plan)', 'Coverage.class'));
  if (!isBhytProblem(card)) {
    if (category.value && category.value !== card.category) {
      issues.push(error(`Đối tượng ${category.value} khác với 2 chữ cái đầu của mã thẻ (${card.category})`, `Category ${category.value} differs from the card code (${card.category})`, `Coverage.class[${category.index}].value`));
    }
    if (level.value && level.value !== card.benefitLevel) {
      issues.push(error(`Mức hưởng ${level.value} khác với ký tự thứ 3 của mã thẻ (${card.benefitLevel})`, `Benefit level ${level.value} differs from the card code (${card.benefitLevel})`, `Coverage.class[${level.index}].value`));
    }
  }
  if (!c.period?.start || !c.period.end) issues.push(missing('thời hạn thẻ (từ ngày, đến ngày)', 'Validity (period.start and period.end)', 'Coverage.period'));
  else if (c.period.end < c.period.start) issues.push(error('Thẻ hết hạn trước ngày bắt đầu', 'The card ends before it starts', 'Coverage.period'));
  const facility = extensionsOf(c, EXT.registeredFacility)[0]?.ext.valueReference;
  if (!facility?.reference && !facility?.identifier?.value) issues.push(missing('nơi đăng ký khám chữa bệnh ban đầu', 'Registered primary-care facility', 'Coverage.extension'));
  if (!c.beneficiary?.reference?.startsWith('Patient/')) issues.push(missing('người có thẻ (beneficiary)', 'Beneficiary', 'Coverage.beneficiary'));
  return issues;
}

/** An EPI dose: a known vaccine, a dose number within its series, a date. */
export function immunizationIssues(im: Immunization, ctx: RuleContext): Issue[] {
  const issues: Issue[] = [];
  const vaccine = im.vaccineCode?.coding?.find((c) => c.system === CS.epiVaccine);
  const max = vaccine?.code ? ctx.terminology.epiMaxDose.get(vaccine.code) : undefined;
  if (!vaccine) issues.push(warning(`Vắc xin không theo mã Tiêm chủng mở rộng (${CS.epiVaccine})`, 'The vaccine has no EPI code', 'Immunization.vaccineCode'));
  else if (max === undefined) issues.push(error(`Mã vắc xin "${vaccine.code}" không có trong danh mục TCMR`, `Unknown EPI vaccine "${vaccine.code}"`, 'Immunization.vaccineCode', 'code-invalid'));
  const dose = im.protocolApplied?.[0]?.doseNumberPositiveInt;
  if (dose === undefined) issues.push(missing('mũi thứ mấy (protocolApplied.doseNumberPositiveInt)', 'Dose number', 'Immunization.protocolApplied'));
  else if (max !== undefined && dose > max) {
    issues.push(error(`${vaccine!.code} chỉ có ${max} mũi trong lịch TCMR, không có mũi ${dose}`, `${vaccine!.code} has ${max} doses, not ${dose}`, 'Immunization.protocolApplied[0].doseNumberPositiveInt'));
  }
  if (!im.occurrenceDateTime) issues.push(missing('ngày giờ tiêm', 'Date of vaccination', 'Immunization.occurrence'));
  return issues;
}

/** An app enrolment: app, verification and status from our lists; withdrawn exactly when it has an end. */
export function enrolmentIssues(b: Basic, ctx: RuleContext): Issue[] {
  const issues: Issue[] = [];
  const coded: [string, string, string, string][] = [
    [EXT.enrolmentApp, CS.enrolmentApp, 'ứng dụng', 'App'],
    [EXT.enrolmentVerification, CS.enrolmentVerification, 'cách xác minh', 'Verification'],
    [EXT.enrolmentStatus, CS.enrolmentStatus, 'trạng thái', 'Status'],
  ];
  for (const [url, system, vi, en] of coded) {
    const code = codingOf(b, url)?.code;
    if (!code) issues.push(missing(vi, en, 'Basic.extension'));
    else if (!knownCode(ctx.terminology, system, code)) issues.push(error(`${vi} "${code}" không có trong danh mục ${system}`, `${en} "${code}" is not in ${system}`, 'Basic.extension', 'code-invalid'));
  }
  const period = extensionsOf(b, EXT.enrolmentPeriod)[0]?.ext.valuePeriod;
  if (!period?.start) issues.push(missing('ngày đăng ký (enrolment-period.start)', 'Enrolment date', 'Basic.extension'));
  const withdrawn = codingOf(b, EXT.enrolmentStatus)?.code === 'withdrawn';
  if (withdrawn !== !!period?.end) {
    issues.push(error('Trạng thái "đã rút" đi cùng ngày rút (enrolment-period.end), và chỉ khi đó', 'Status withdrawn goes with a withdrawal date (period.end), and only then', 'Basic.extension'));
  }
  if (!b.subject?.reference?.startsWith('Patient/')) issues.push(missing('người dân đăng ký (subject)', 'Subject (a Patient)', 'Basic.subject'));
  if (!b.author) issues.push(missing('người ghi nhận (author)', 'Who recorded it (author)', 'Basic.author'));
  if (!b.created) issues.push(missing('ngày ghi nhận (created)', 'Recorded date', 'Basic.created'));
  return issues;
}

/** The station itself: it is known by its facility code. */
export function organizationIssues(o: Organization, ctx: RuleContext, full: boolean): Issue[] {
  const issues = (o.address ?? []).flatMap((a, i) => addressIssues(a, `Organization.address[${i}]`, ctx));
  if (full && !(o.identifier ?? []).some((i) => i.system === SID.facilityCode && /^\d{5}$/.test(i.value ?? ''))) {
    issues.push(missing(`mã cơ sở khám chữa bệnh 5 chữ số (hệ ${SID.facilityCode})`, 'Facility code (5 digits)', 'Organization.identifier'));
  }
  return issues;
}

/** The commune and its villages: a village's code must be one of the configured villages. */
export function locationIssues(l: Location, ctx: RuleContext, full: boolean): Issue[] {
  const issues = l.address ? addressIssues(l.address, 'Location.address', ctx) : [];
  if (!full) return issues;
  const village = l.identifier?.find((i) => i.system === SID.village)?.value;
  if (village !== undefined && !ctx.config.villages.some((v) => v.code === village)) {
    issues.push(error(`Mã thôn "${village}" không có trong cấu hình của trạm`, `Village "${village}" is not configured`, 'Location.identifier', 'code-invalid'));
  }
  if (!l.identifier?.length) issues.push(missing('mã xã hoặc mã thôn', 'Commune or village code', 'Location.identifier'));
  return issues;
}
