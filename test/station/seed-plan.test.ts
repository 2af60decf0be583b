import { HA_SON } from '../../src/station/config';
import { loadGrowthTables, type GrowthTables } from '../../src/station/growth/tables';
import { heightForAgeZ } from '../../src/station/growth/zscore';
import { checkCccd } from '../../src/station/identifiers/cccd';
import { parseBhyt, isBhytProblem } from '../../src/station/identifiers/bhyt';
import type { CarePlan } from '../../src/station/seed/care';
import type { HouseholdPlan } from '../../src/station/seed/population';
import { ageOn, daysBetween } from '../../src/station/seed/random';
import { planCommune } from '../../src/station/seed/run';
import { describeWithShared, REFERENCE_DIR } from './shared';

const AS_OF = '2025-10-01';

// The commune `npm run seed -- --residents 8000 --seed 42 --as-of 2025-10-01` writes, checked
// before writing (the write path is exercised by seed.int.test.ts).
describeWithShared('the synthetic commune of 8,000 (seed 42) has the shapes the issue asks for', () => {
  let tables: GrowthTables;
  let plan: { household: HouseholdPlan; care: CarePlan[] }[];
  let people: { p: HouseholdPlan['members'][number]; c: CarePlan; village: string }[];
  beforeAll(() => {
    tables = loadGrowthTables([REFERENCE_DIR])!;
    plan = [...planCommune(HA_SON, tables, { residents: 8000, seed: 42, asOf: AS_OF })];
    people = plan.flatMap(({ household, care }) => household.members.map((p, i) => ({ p, c: care[i], village: household.village.code })));
  });
  const share = (f: (x: (typeof people)[number]) => boolean): number => people.filter(f).length / people.length;

  test('8,000 people in households of about 3.6, spread over the 8 villages', () => {
    expect(people).toHaveLength(8000);
    expect(8000 / plan.length).toBeGreaterThan(3.4);
    expect(8000 / plan.length).toBeLessThan(3.8);
    for (const v of HA_SON.villages) expect(people.filter((x) => x.village === v.code).length).toBeGreaterThan(700);
  });

  test('about 7% under 5 and about 15% aged 60+ (6–9% and 12–17%)', () => {
    const under5 = share((x) => ageOn(x.p.birthDate, AS_OF) < 5);
    const over60 = share((x) => ageOn(x.p.birthDate, AS_OF) >= 60);
    expect(under5).toBeGreaterThan(0.06);
    expect(under5).toBeLessThan(0.09);
    expect(over60).toBeGreaterThan(0.12);
    expect(over60).toBeLessThan(0.17);
    expect(share((x) => x.p.sex === 'female')).toBeGreaterThan(0.45);
  });

  test('every personal ID passes the CCCD check and is unique', () => {
    const ids = people.flatMap((x) => (x.p.cccd ? [x.p.cccd] : []));
    expect(ids.length / 8000).toBeGreaterThan(0.97);
    expect(new Set(ids).size).toBe(ids.length);
    for (const x of people) if (x.p.cccd) expect(checkCccd(x.p.cccd, x.p.birthDate, x.p.sex)).toEqual([]);
  });

  test('about 95% hold a BHYT card valid on the reference date, with realistic categories', () => {
    const valid = share((x) => !!x.c.coverage && x.c.coverage.start <= AS_OF && AS_OF <= x.c.coverage.end);
    expect(valid).toBeGreaterThan(0.93);
    expect(valid).toBeLessThan(0.97);
    const categories = new Map<string, number>();
    for (const x of people) {
      if (!x.c.coverage) continue;
      const card = parseBhyt(x.c.coverage.cardCode);
      expect(isBhytProblem(card)).toBe(false);
      if (!isBhytProblem(card)) categories.set(card.category, (categories.get(card.category) ?? 0) + 1);
    }
    expect([...categories.keys()]).toEqual(expect.arrayContaining(['TE', 'HS', 'GD', 'DN', 'HT', 'HN', 'CN', 'BT']));
    for (const x of people) if (ageOn(x.p.birthDate, AS_OF) < 6) expect(x.c.coverage?.cardCode.startsWith('TE1')).toBe(true);
  });

  test('about 65% in the e-health book; about 35% enrolled in telemedicine with a remote consultation', () => {
    expect(share((x) => x.c.enrolments.some((e) => e.app === 'vneid-health-book'))).toBeGreaterThan(0.6);
    expect(share((x) => x.c.enrolments.some((e) => e.app === 'vneid-health-book'))).toBeLessThan(0.7);
    const remote = share((x) => x.c.enrolments.some((e) => e.app.endsWith('telemedicine') || e.app === 'vtelehealth') && x.c.visits.some((v) => v.class === 'VR'));
    expect(remote).toBeGreaterThan(0.32);
    expect(remote).toBeLessThan(0.4);
  });

  test('a year of visits with ICD-10 diagnoses and vital signs, inside each resident\'s time in the commune', () => {
    const visits = people.flatMap((x) => x.c.visits.map((v) => ({ v, x })));
    expect(visits.length / 8000).toBeGreaterThan(0.8);
    for (const { v, x } of visits) {
      const day = v.start.slice(0, 10);
      expect(day > '2024-10-01' && day <= AS_OF).toBe(true);
      expect(day >= x.p.birthDate && day >= x.p.residenceStart && (!x.p.residenceEnd || day <= x.p.residenceEnd)).toBe(true);
      if (v.class !== 'VR') expect(v.vitals.length).toBeGreaterThan(0);
    }
  });

  test('EPI doses for under-5s follow the schedule; 12–18% of measured under-5s are stunted', () => {
    const children = people.filter((x) => ageOn(x.p.birthDate, AS_OF) < 5);
    expect(children.filter((x) => x.c.immunizations.some((i) => i.vaccine === 'BCG')).length / children.length).toBeGreaterThan(0.9);
    const mothersWithTetanus = people.filter((x) => x.c.immunizations.some((i) => i.vaccine === 'UV' && i.dose === 2));
    const babies = people.filter((x) => ageOn(x.p.birthDate, AS_OF) === 0 && x.p.role === 'con');
    expect(mothersWithTetanus.length).toBeGreaterThan(0.8 * babies.length);
    const zs = children.flatMap((x) => x.c.growth.map((g) => heightForAgeZ(tables, x.p.sex === 'male' ? 1 : 2, daysBetween(x.p.birthDate, g.date), g.heightCm, g.lying)!.z));
    expect(zs.length).toBeGreaterThan(500);
    const stunted = zs.filter((z) => z < -2).length / zs.length;
    expect(stunted).toBeGreaterThan(0.12);
    expect(stunted).toBeLessThan(0.18);
  });

  test('people moved in and out during the year', () => {
    expect(share((x) => !!x.p.residenceEnd)).toBeGreaterThan(0.005);
    expect(share((x) => x.p.residenceStart > '2024-10-01' && x.p.residenceStart > x.p.birthDate)).toBeGreaterThan(0.01);
  });

  test('every blood pressure has its diastolic below its systolic (the station refuses the rest)', () => {
    const pressures = people.flatMap((x) => x.c.visits.flatMap((v) => v.vitals.flatMap((vital) => ('systolic' in vital ? [vital] : []))));
    expect(pressures.length).toBeGreaterThan(1000);
    expect(pressures.filter((bp) => bp.diastolic >= bp.systolic)).toEqual([]);
  });

  test('the same seed gives the same commune; another seed another one', () => {
    const again = [...planCommune(HA_SON, tables, { residents: 300, seed: 42, asOf: AS_OF })];
    expect(again).toEqual([...planCommune(HA_SON, tables, { residents: 300, seed: 42, asOf: AS_OF })]);
    expect(again).not.toEqual([...planCommune(HA_SON, tables, { residents: 300, seed: 43, asOf: AS_OF })]);
  });
});
