import type { Condition, Resource } from '@medplum/fhirtypes';
import { SYSTEMS } from '../canonical';
import { error, type Issue } from './issues';

/**
 * ICD-10 codes that can only be a woman's or only a man's diagnosis: a pregnancy (O80) entered
 * for a man, a prostate disease (N40) for a woman is a wrong code or a wrong sex, and either would
 * count the visit under the wrong heading in the register and the reports. Checked where the
 * resident's sex is known as male or female (other and unknown are not checked). The ranges are
 * WHO ICD-10's sex-restricted categories: whole chapters or blocks, and a few subcategories.
 */
const ONLY: Record<'female' | 'male', readonly (readonly [from: string, to: string])[]> = {
  female: [
    ['C51', 'C58'], // malignant neoplasms of female genital organs, placenta
    ['D06', 'D06'], // carcinoma in situ of cervix
    ['D07.0', 'D07.3'], // in situ: endometrium, vulva, vagina, other female genital
    ['D25', 'D28'], // benign neoplasms of uterus, ovary, other female genital
    ['E28', 'E28'], // ovarian dysfunction
    ['N70', 'N98'], // inflammatory and other disorders of female genital tract
    ['O00', 'O99'], // pregnancy, childbirth and the puerperium
    ['Q50', 'Q52'], // congenital malformations of female genital organs
    ['R87', 'R87'], // abnormal findings in specimens from female genital organs
    ['Z12.4', 'Z12.4'], // screening for cervical cancer
    ['Z32', 'Z37'], // pregnancy test, pregnant state, antenatal supervision and screening, outcome of delivery
    ['Z39', 'Z39'], // postpartum care
  ],
  male: [
    ['C60', 'C63'], // malignant neoplasms of male genital organs
    ['D07.4', 'D07.6'], // in situ: penis, prostate, other male genital
    ['D29', 'D29'], // benign neoplasm of male genital organs
    ['D40', 'D40'], // neoplasm of uncertain behaviour of male genital organs
    ['E29', 'E29'], // testicular dysfunction
    ['N40', 'N51'], // diseases of male genital organs
    ['Q53', 'Q55'], // undescended testicle, hypospadias, other male genital malformations
    ['R86', 'R86'], // abnormal findings in specimens from male genital organs
    ['Z12.5', 'Z12.5'], // screening for prostate cancer
  ],
};

/** The sex an ICD-10 code is restricted to, if any ("O80", "N40.1", "D07.5"). */
export function restrictedTo(code: string): 'female' | 'male' | undefined {
  const category = code.slice(0, 3);
  for (const sex of ['female', 'male'] as const) {
    for (const [from, to] of ONLY[sex]) {
      // A range of subcategories compares the code's first five characters; of categories, its first three.
      const key = from.length > 3 ? code.slice(0, 5) : category;
      if (key >= from && key <= to) return sex;
    }
  }
  return undefined;
}

/** A Condition's ICD-10 codes restricted to one sex. */
export function sexRestrictedCodes(resource: Resource): { code: string; index: number; sex: 'female' | 'male' }[] {
  if (resource.resourceType !== 'Condition') return [];
  return ((resource as Condition).code?.coding ?? []).flatMap((c, index) => {
    const sex = c.system === SYSTEMS.icd10 && c.code ? restrictedTo(c.code) : undefined;
    return sex ? [{ code: c.code!, index, sex }] : [];
  });
}

const SEX_VI = { female: 'nữ', male: 'nam' } as const;
const SEX_EN = { female: 'women', male: 'men' } as const;

/** The codes of `resource` restricted to the other sex than the resident's (`gender`: Patient.gender). */
export function sexMismatchIssues(resource: Resource, gender: string | undefined): Issue[] {
  if (gender !== 'female' && gender !== 'male') return [];
  return sexRestrictedCodes(resource)
    .filter((c) => c.sex !== gender)
    .map((c) =>
      error(
        `Mã ICD-10 ${c.code} chỉ dùng cho ${SEX_VI[c.sex]}, nhưng người dân này giới tính ${SEX_VI[gender]}: hãy kiểm tra lại mã bệnh hoặc giới tính`,
        `ICD-10 ${c.code} is for ${SEX_EN[c.sex]} only, but this resident is ${gender}: check the code or the resident's sex`,
        `Condition.code.coding[${c.index}].code`,
        'business-rule',
      ),
    );
}
