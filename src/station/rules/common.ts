import type { Address, Coding, Identifier } from '@medplum/fhirtypes';
import { localDay } from '../../fhir/search/dates';
import { CS, EXT, SYSTEMS, VN_CORE } from '../canonical';
import type { StationConfig } from '../config';
import { checkBhyt } from '../identifiers/bhyt';
import { checkCccd } from '../identifiers/cccd';
import { codingOf, error, extensionsOf, warning, type Issue } from './issues';
import { knownCode, type StationTerminology } from './terminology';

/** What every rule receives. */
export interface RuleContext {
  config: StationConfig;
  terminology: StationTerminology;
  /** The station's zone: what "today" is for a date without a time (a birth date, a visit day). */
  timeZone: string;
}

/**
 * Identifier checks that apply wherever the identifier appears: a personal ID (CCCD) must be well
 * formed (and agree with birth date and sex when the owner's are given); a BHYT card code must be
 * well formed, of a known category and province, and TE only for a child under 6 when the holder's
 * birth date is known (on the identifier's start, else today in the station's zone: from midnight to
 * 07:00 in Hà Nội the UTC date is still yesterday).
 */
export function identifierIssues(identifiers: Identifier[] | undefined, path: string, ctx: RuleContext, owner: { birthDate?: string; gender?: string } = {}): Issue[] {
  const isCategory = (code: string): boolean => knownCode(ctx.terminology, CS.bhytCategory, code);
  return (identifiers ?? []).flatMap((id, i) => {
    const at = `${path}[${i}].value`;
    if (id.system === VN_CORE.nationalId) {
      if (!id.value) return [error('Thiếu số định danh cá nhân (CCCD)', 'The personal ID has no value', at, 'required')];
      return checkCccd(id.value, owner.birthDate, owner.gender).map((p) => error(p.vi, p.en, at));
    }
    if (id.system === VN_CORE.insuranceNumber) {
      if (!id.value) return [error('Thiếu mã thẻ BHYT', 'The BHYT card code has no value', at, 'required')];
      const holder = owner.birthDate ? { birthDate: owner.birthDate, on: id.period?.start?.slice(0, 10) ?? localDay(ctx.timeZone, Date.now()) } : undefined;
      return checkBhyt(id.value, isCategory, holder).map((p) => error(p.vi, p.en, at));
    }
    return [];
  });
}

/** ICD-10 codings: malformed → error; well formed but outside our Vietnamese subset → warning. */
export function icd10Issues(codings: Coding[] | undefined, path: string, t: StationTerminology): Issue[] {
  return (codings ?? []).flatMap((c, i) => {
    if (c.system !== SYSTEMS.icd10 || c.code === undefined) return [];
    const at = `${path}[${i}].code`;
    if (!/^[A-Z]\d{2}(\.[0-9A-Z]{1,4})?$/.test(c.code)) {
      return [error(`Mã ICD-10 "${c.code}" sai định dạng: một chữ cái in hoa, hai chữ số, có thể thêm dấu chấm và 1–4 ký tự (ví dụ J00, J31.1)`, `ICD-10 code "${c.code}" is malformed (e.g. J00, J31.1)`, at, 'code-invalid')];
    }
    if (!t.icd10.has(c.code)) {
      return [warning(`Mã ICD-10 ${c.code} không có trong danh mục rút gọn của trạm: hãy kiểm tra lại mã`, `ICD-10 ${c.code} is not in the station's subset; please check it`, at, 'code-invalid')];
    }
    return [];
  });
}

/** Codes of the station's villages, as text for messages ("15313-01 Chí Phúc, …"). */
function villageList(config: StationConfig): string {
  return config.villages.map((v) => `${v.code} ${v.name}`).join(', ');
}

/** The address belongs to the station's commune (2025 code, or one of its former communes). */
export function inStationCommune(address: Address, config: StationConfig): boolean {
  const commune = codingOf(address, EXT.commune)?.code;
  const former = codingOf(address, EXT.formerCommune)?.code;
  return commune === config.commune.code || config.formerCommunes.some((c) => c.code === former);
}

/** Checks the administrative-unit extensions that are present on an address. */
export function addressIssues(address: Address, path: string, ctx: RuleContext): Issue[] {
  const at = (url: string): string => `${path}.extension[${extensionsOf(address, url)[0]?.index ?? 0}].valueCoding`;
  const issues = [...unitIssues(address, at, ctx), ...villageIssues(address, at, ctx.config)];
  const residence = codingOf(address, EXT.residenceType)?.code;
  if (residence !== undefined && !knownCode(ctx.terminology, CS.residenceType, residence)) {
    issues.push(error(`Loại cư trú "${residence}" không hợp lệ: dùng thuong-tru (thường trú) hoặc tam-tru (tạm trú)`, `Residence type "${residence}" is invalid: use thuong-tru or tam-tru`, at(EXT.residenceType), 'code-invalid'));
  }
  if (address.period?.start && address.period.end && address.period.end < address.period.start) {
    issues.push(error('Ngày kết thúc cư trú trước ngày bắt đầu', 'The residence period ends before it starts', `${path}.period`));
  }
  return issues;
}

/** Province (the 34 of 2025), commune (of that province, when the province is curated), former units. */
function unitIssues(address: Address, at: (url: string) => string, { config, terminology: t }: RuleContext): Issue[] {
  const issues: Issue[] = [];
  const province = codingOf(address, EXT.province)?.code;
  const commune = codingOf(address, EXT.commune)?.code;
  if (province !== undefined && !t.provinces.has(province)) {
    issues.push(error(`Mã tỉnh "${province}" không có trong 34 tỉnh/thành từ 1/7/2025: hãy dùng mã 2 chữ số mới (ví dụ 38 Thanh Hóa)`, `Province code "${province}" is not one of the 34 provinces (2025)`, at(EXT.province), 'code-invalid'));
  }
  if (commune !== undefined) {
    const owner = t.communes.get(commune);
    const curated = province !== undefined && [...t.communes.values()].includes(province);
    if (!/^\d{5}$/.test(commune) || (curated && owner === undefined)) {
      issues.push(error(`Mã xã "${commune}" không phải mã xã/phường 5 chữ số của tỉnh ${province ?? ''} sau 1/7/2025`, `Commune code "${commune}" is not a 2025 commune of province ${province ?? ''}`, at(EXT.commune), 'code-invalid'));
    } else if (owner !== undefined && province !== undefined && owner !== province) {
      issues.push(error(`Xã ${commune} thuộc tỉnh ${owner}, không phải tỉnh ${province}: hãy sửa mã tỉnh hoặc mã xã`, `Commune ${commune} belongs to province ${owner}, not ${province}`, at(EXT.commune)));
    }
  }
  for (const url of [EXT.formerCommune, EXT.formerDistrict]) {
    const code = codingOf(address, url)?.code;
    if (code !== undefined && province === config.province.code && !t.formerUnits.has(code)) {
      issues.push(error(`Mã đơn vị hành chính cũ "${code}" không có trong danh mục trước 1/7/2025 của tỉnh`, `Former unit code "${code}" is not a pre-2025 unit of the province`, at(url), 'code-invalid'));
    }
  }
  return issues;
}

/** A village code must be one of the station's villages, and only in the station's commune. */
function villageIssues(address: Address, at: (url: string) => string, config: StationConfig): Issue[] {
  const village = codingOf(address, EXT.village)?.code;
  if (village === undefined) return [];
  if (!inStationCommune(address, config)) {
    return [error(`Thôn ${village} chỉ dùng cho địa chỉ trong xã ${config.commune.name} (${config.commune.code}): hãy sửa mã xã hoặc bỏ thôn`, `Village ${village} is only valid in commune ${config.commune.code}`, at(EXT.village))];
  }
  if (!config.villages.some((v) => v.code === village)) {
    return [error(`Mã thôn "${village}" không có trong danh sách thôn của xã ${config.commune.name}: hãy chọn một trong ${villageList(config)}`, `Unknown village "${village}"; use one of ${config.villages.map((v) => v.code).join(', ')}`, at(EXT.village), 'code-invalid')];
  }
  return [];
}

/** The rule's full check for a station address: in the commune it needs a village. */
export function stationAddressIssues(address: Address, path: string, ctx: RuleContext): Issue[] {
  const issues: Issue[] = [];
  if (!codingOf(address, EXT.province) || !codingOf(address, EXT.commune)) {
    issues.push(error('Địa chỉ phải có mã tỉnh và mã xã (mã 2025)', 'An address needs the 2025 province and commune codes', `${path}.extension`, 'required'));
  }
  if (inStationCommune(address, ctx.config) && !codingOf(address, EXT.village)) {
    issues.push(error(`Địa chỉ trong xã ${ctx.config.commune.name} phải có thôn: hãy chọn một trong ${villageList(ctx.config)}`, 'An address in the commune needs its village', `${path}.extension`, 'required'));
  }
  return issues;
}
