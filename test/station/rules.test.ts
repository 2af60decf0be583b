import type { Basic, Coverage, Encounter, Immunization, Observation, Patient, RelatedPerson, Resource } from '@medplum/fhirtypes';
import { EXT, VN_CORE } from '../../src/station/canonical';
import { HA_SON } from '../../src/station/config';
import { heightForAgeObservation } from '../../src/station/model/clinical';
import { errorsOf, stationValidator, type StationValidator } from './helpers';
import { examples, resident } from './examples';

/** Applies `change` to a deep copy of the example. */
function variant<T extends Resource>(base: T, change: (copy: T) => void): T {
  const copy = structuredClone(base);
  change(copy);
  return copy;
}

const texts = (issues: { diagnostics?: string }[]): string => issues.map((i) => i.diagnostics).join('\n');

describe('station rules reject what a Vietnamese health record must not contain', () => {
  let v: StationValidator;
  beforeAll(() => {
    v = stationValidator();
  });
  const errors = (r: Resource, config = HA_SON): ReturnType<typeof errorsOf> => errorsOf(v.issues(r, config));
  const setCccd = (value: string) => (p: Patient) => {
    p.identifier!.find((i) => i.system === VN_CORE.nationalId)!.value = value;
  };

  test.each([
    ['a century/sex digit that says male for a woman born in 1985', '038085001234', 'Chữ số thứ 4'],
    ['a century digit of the 2000s for a birth in 1985', '038385001234', 'Chữ số thứ 4'],
    ['11 digits', '03818500123', 'đúng 12 chữ số; số đã nhập có 11 chữ số'],
    // The length is right: the message names what is wrong, not the length.
    ['a letter', '03818500123A', 'Ký tự "A" ở vị trí 12 không phải chữ số'],
    ['a space', '038185 001234', 'có khoảng trắng ở vị trí 7'],
    ['Arabic-Indic digits', '٠٣٨١٨٥٠٠١٢٣٤', 'chữ số "٠" (U+0660) ở vị trí 1 không phải chữ số 0–9'],
    ['an unknown place code (003)', '003185001234', 'mã tỉnh nơi đăng ký khai sinh'],
    ['year digits that are not the birth year', '038186001234', 'hai số cuối năm sinh'],
  ])('CCCD with %s is refused, saying what to fix', (_name, cccd, message) => {
    const found = errors(variant(resident, setCccd(cccd)));
    expect(texts(found)).toContain(message);
    expect(found.every((i) => i.expression?.[0]?.startsWith('Patient.'))).toBe(true);
  });

  test('a resident claiming the station profile still gets the base R4 checks (unknown element, wrong type, broken invariant)', () => {
    expect(resident.meta?.profile?.length).toBeGreaterThan(0);
    expect(errors(resident)).toEqual([]);
    const where = (r: Resource): string[] => errors(r).flatMap((i) => i.expression ?? []);
    expect(where(variant(resident, (p) => Object.assign(p, { favouriteColour: 'blue' })))).toEqual(['Patient.favouriteColour']);
    // A birth date that is not a date is a structural error, and the CCCD rule (which reads it) waits.
    expect(where(variant(resident, (p) => Object.assign(p, { birthDate: 1985 })))).toEqual(['Patient.birthDate']);
    expect(where(variant(resident, (p) => (p.contact = [{}])))).toContain('Patient.contact[0]');
  });

  test('the century digit follows the sex: 2 for a boy born in 2023 is right, 3 is refused', () => {
    expect(errors(examples.child)).toEqual([]);
    expect(texts(errors(variant(examples.child as Patient, setCccd('038323004567'))))).toContain('phải có 2');
  });

  test.each([
    ['14 characters', 'GD438382001234', 'Mã thẻ BHYT phải có 15 ký tự'],
    // 15 characters: the message names what is wrong, not the length.
    ['lower-case letters', 'gd4383820012345', 'phải viết hoa: GD, không phải gd'],
    ['benefit level 6', 'GD6383820012345', '(mức hưởng) phải là chữ số từ 1 đến 5, không phải "6"'],
    ['a digit in the category', 'G14383820012345', 'Ký tự thứ 2 "1" của mã thẻ BHYT phải là chữ cái in hoa'],
    ['a letter among the digits', 'GD438382001234O', 'Ký tự thứ 15 "O" của mã thẻ BHYT phải là chữ số'],
    ['a space', 'GD4 38382001234', 'Mã thẻ BHYT có khoảng trắng ở vị trí 4'],
    ['an unknown category', 'XX1382020893987', 'Mã đối tượng "XX"'],
    ['a province that does not exist', 'DN3992020893987', 'Mã tỉnh "99"'],
  ])('a BHYT card code with %s is refused, on the patient and on the card', (_name, code, message) => {
    const patient = variant(resident, (p) => {
      p.identifier!.find((i) => i.system === VN_CORE.insuranceNumber)!.value = code;
    });
    expect(texts(errors(patient))).toContain(message);
    const card = variant(examples.coverage as Coverage, (c) => {
      c.identifier![0].value = code;
    });
    expect(texts(errors(card))).toContain(message);
  });

  test('a children\'s card (TE) is checked against the age on the station\'s day, not the UTC day', () => {
    // Born 15/10/2019: 6 years old (and past 30 September) from 15/10/2025, which begins in Hà Nội at 17:00 UTC on the 14th.
    const child = variant(examples.child as Patient, (p) => {
      p.birthDate = '2019-10-15';
      setCccd('038219004567')(p);
      p.identifier!.push({ system: VN_CORE.insuranceNumber, value: 'TE1383820098765' });
    });
    const teRefused = (now: string): boolean => {
      jest.useFakeTimers({ now: new Date(now) });
      try {
        return texts(errors(child)).includes('chỉ dành cho trẻ dưới 6 tuổi');
      } finally {
        jest.useRealTimers();
      }
    };
    expect(teRefused('2025-10-14T16:59:00Z')).toBe(false);
    expect(teRefused('2025-10-14T18:00:00Z')).toBe(true);
  });

  test('a carer\'s CCCD is checked against the carer\'s own birth date and sex', () => {
    const carer = (cccd: string): RelatedPerson =>
      variant(examples.carer as RelatedPerson, (r) => {
        r.birthDate = '1988-04-02';
        r.identifier = [{ system: VN_CORE.nationalId, value: cccd }];
      });
    expect(errors(carer('038088001234'))).toEqual([]);
    // 1 is a woman born in the 1900s; the father is a man.
    expect(texts(errors(carer('038188001234')))).toContain('Chữ số thứ 4 của CCCD là 1');
    expect(texts(errors(carer('038090001234')))).toContain('hai số cuối năm sinh 1988');
  });

  test('a BHYT card whose category or benefit level disagrees with its code is refused', () => {
    const card = variant(examples.coverage as Coverage, (c) => {
      c.class![0].value = 'TE';
      c.class![1].value = '1';
    });
    expect(texts(errors(card))).toMatch(/Đối tượng TE khác[\s\S]*Mức hưởng 1 khác/);
  });

  test.each([['57'], ['1'], ['Kinh']])('the unknown ethnic code %s is refused', (code) => {
    const patient = variant(resident, (p) => {
      p.extension!.find((e) => e.url === EXT.ethnicGroup)!.valueCoding!.code = code;
    });
    const found = errors(patient);
    expect(texts(found)).toContain(`Mã dân tộc "${code}" không có trong danh mục 54 dân tộc`);
    expect(found.find((i) => i.diagnostics?.includes('Mã dân tộc'))!.expression).toEqual(['Patient.extension[0].valueCoding']);
  });

  test('an unknown village is refused with the list of villages to choose from', () => {
    const patient = variant(resident, (p) => {
      p.address![0].extension!.find((e) => e.url === EXT.village)!.valueCoding!.code = '15313-09';
    });
    const message = texts(errors(patient));
    expect(message).toContain('Mã thôn "15313-09" không có trong danh sách thôn của xã Tống Sơn');
    expect(message).toContain('15313-01 Chí Phúc');
  });

  test('an address in the commune without a village, or a village outside the commune, is refused', () => {
    const noVillage = variant(resident, (p) => {
      p.address![0].extension = p.address![0].extension!.filter((e) => e.url !== EXT.village);
    });
    expect(texts(errors(noVillage))).toContain('phải có thôn');
    const elsewhere = variant(resident, (p) => {
      const ext = p.address![0].extension!;
      ext.find((e) => e.url === EXT.commune)!.valueCoding!.code = '15271';
      p.address![0].extension = ext.filter((e) => e.url !== EXT.formerCommune);
    });
    expect(texts(errors(elsewhere))).toContain('chỉ dùng cho địa chỉ trong xã Tống Sơn');
  });

  test('an unknown province or a commune of another province is refused', () => {
    const patient = variant(resident, (p) => {
      p.address![0].extension!.find((e) => e.url === EXT.province)!.valueCoding!.code = '39';
    });
    expect(texts(errors(patient))).toContain('Mã tỉnh "39" không có trong 34 tỉnh');
  });

  test.each([
    ['the diagnosis', (e: Encounter) => delete e.diagnosis, 'chẩn đoán (cột 10)'],
    ['the treatment', (e: Encounter) => delete e.extension, 'xử trí (cột 11)'],
    ['the examiner', (e: Encounter) => delete e.participant, 'người khám (cột 12)'],
    ['the symptoms', (e: Encounter) => delete e.reasonCode, 'triệu chứng / lý do khám (cột 9)'],
    ['the specialty', (e: Encounter) => delete e.serviceType, 'chuyên khoa'],
  ])('a finished visit without %s is refused', (_name, change, message) => {
    const found = errors(variant(examples.visit as Encounter, change as (e: Encounter) => void));
    expect(texts(found)).toContain(`Thiếu ${message}`);
  });

  test('a visit still in progress may wait for its diagnosis and treatment', () => {
    const open = variant(examples.visit as Encounter, (e) => {
      e.status = 'in-progress';
      delete e.diagnosis;
      delete e.extension;
    });
    expect(errors(open)).toEqual([]);
  });

  test('a remote visit for a disease off the Circular 30/2023 list warns (or fails when configured)', () => {
    const remote = (code: string): Encounter =>
      variant(examples.visit as Encounter, (e) => {
        e.class = { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'VR' };
        e.reasonCode = [{ text: 'Khám từ xa', coding: [{ system: 'http://hl7.org/fhir/sid/icd-10', code }] }];
      });
    expect(v.issues(remote('J00')).filter((i) => i.diagnostics?.includes('Thông tư 30'))).toEqual([]);
    const warned = v.issues(remote('I10')).filter((i) => i.diagnostics?.includes('Thông tư 30'));
    expect(warned.map((i) => i.severity)).toEqual(['warning']);
    expect(texts(errors(remote('I10'), { ...HA_SON, telemedicineListSeverity: 'error' }))).toContain('Bệnh I10 không có trong danh mục');
    expect(errors(remote('I10'), { ...HA_SON, extraTelemedicineCodes: ['I10'] })).toEqual([]);
  });

  test('a code inside a category the Circular 30/2023 list names is on the list; a wider code is not', () => {
    const strict = { ...HA_SON, telemedicineListSeverity: 'error' as const };
    const remote = (code: string): Encounter =>
      variant(examples.visit as Encounter, (e) => {
        e.class = { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'VR' };
        e.reasonCode = [{ text: 'Khám từ xa', coding: [{ system: 'http://hl7.org/fhir/sid/icd-10', code }] }];
      });
    // The list names E66 (obesity) and M25.5 (joint pain): E66.9 is obesity, M25.56 knee pain.
    expect(errors(remote('E66.9'), strict)).toEqual([]);
    expect(errors(remote('M25.56'), strict)).toEqual([]);
    expect(errors(remote('I10.0'), { ...strict, extraTelemedicineCodes: ['I10'] })).toEqual([]);
    // J31.1 is listed, not the whole of J31 nor its sibling J31.2.
    expect(texts(errors(remote('J31'), strict))).toContain('Bệnh J31 không có trong danh mục');
    expect(texts(errors(remote('J31.2'), strict))).toContain('Bệnh J31.2 không có trong danh mục');
  });

  test('a malformed ICD-10 code is refused; a well-formed one outside the subset only warns', () => {
    const withCode = (code: string): Resource =>
      variant(examples.diagnosis, (c: any) => {
        c.code.coding[0].code = code;
      });
    expect(texts(errors(withCode('J0')))).toContain('sai định dạng');
    expect(errors(withCode('Q99.8'))).toEqual([]);
    expect(v.issues(withCode('Q99.8')).some((i) => i.severity === 'warning' && i.diagnostics?.includes('Q99.8'))).toBe(true);
  });

  test('a blood pressure without its diastolic value, or a temperature in °F, is refused', () => {
    const bp = variant(examples.bloodPressure as Observation, (o) => {
      o.component = o.component!.slice(0, 1);
    });
    expect(texts(errors(bp))).toContain('huyết áp tâm trương');
    const temperature = variant(examples.waist as Observation, (o) => {
      o.code.coding![0].code = '8310-5';
      o.valueQuantity = { value: 99.5, unit: '[degF]', system: 'http://unitsofmeasure.org', code: '[degF]' };
    });
    expect(texts(errors(temperature))).toContain('Nhiệt độ phải ghi theo đơn vị UCUM Cel');
  });

  test('a z-score whose stunting class does not match its value is refused', () => {
    const z = heightForAgeObservation('Patient/p1', '2025-06-01', 'Observation/h1', { z: -2.4, flagged: false, reference: 'WHO-2006' });
    expect(errors(z)).toEqual([]);
    const wrong = variant(z, (o) => {
      o.interpretation![0].coding![0].code = 'stunting-none';
    });
    expect(texts(errors(wrong))).toContain('không khớp với chỉ số Z -2.4');
  });

  test('a dose beyond the EPI series, and an unknown vaccine code, are refused', () => {
    const dose4 = variant(examples.immunization as Immunization, (im) => {
      im.protocolApplied![0].doseNumberPositiveInt = 4;
    });
    expect(texts(errors(dose4))).toContain('chỉ có 3 mũi');
    const unknown = variant(examples.immunization as Immunization, (im) => {
      im.vaccineCode.coding![0].code = 'XYZ';
    });
    expect(texts(errors(unknown))).toContain('Mã vắc xin "XYZ"');
  });

  test('an enrolment marked withdrawn needs its withdrawal date', () => {
    const withdrawn = variant(examples.enrolment as Basic, (b) => {
      b.extension!.find((e) => e.url === EXT.enrolmentStatus)!.valueCoding!.code = 'withdrawn';
    });
    expect(texts(errors(withdrawn))).toContain('đã rút');
  });

  test('element checks apply to every Patient; the full profile only to those claiming it, unless enforce = all', () => {
    const plain = variant(resident, (p) => {
      delete p.meta;
      delete p.extension;
    });
    expect(errors(plain)).toEqual([]);
    expect(texts(errors(plain, { ...HA_SON, enforce: 'all' }))).toContain('Thiếu dân tộc');
    expect(texts(errors(variant(plain, setCccd('038085001234'))))).toContain('Chữ số thứ 4');
  });

  test('the claimed profile is also enforced by the FHIR validator (slice cardinality)', () => {
    const noEthnic = variant(resident, (p) => {
      p.extension = p.extension!.filter((e) => e.url !== EXT.ethnicGroup);
    });
    expect(errors(noEthnic).some((i) => i.diagnostics?.includes("slice 'ethnicGroup'") || i.details?.text?.includes("slice 'ethnicGroup'"))).toBe(true);
  });
});
