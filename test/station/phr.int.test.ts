import type { Patient } from '@medplum/fhirtypes';
import { EXT } from '../../src/station/canonical';
import { HA_SON } from '../../src/station/config';
import { vitalSign } from '../../src/station/model/clinical';
import { healthManaged } from '../../src/station/phr/health-managed';
import { resident } from './examples';
import { startStationEngine, type StationEngine } from './helpers';

describe('health-managed residents (indicator 14.2, configurable rule)', () => {
  let s: StationEngine;
  const ids: Record<string, string> = {};
  beforeAll(async () => {
    s = await startStationEngine();
    const store = async (name: string, p: Patient): Promise<void> => {
      ids[name] = (await s.engine.repo.create(p)).resource.id!;
    };
    const noEthnic = structuredClone(resident);
    delete noEthnic.meta;
    noEthnic.extension = noEthnic.extension!.filter((e) => e.url !== EXT.ethnicGroup);
    delete noEthnic.identifier;
    await store('updated', { ...structuredClone(resident), identifier: undefined });
    await store('stale', { ...structuredClone(resident), identifier: undefined });
    await store('incomplete', noEthnic);
    const measure = (who: string, when: string) => s.engine.repo.create(vitalSign(`Patient/${ids[who]}`, when, '29463-7', 52));
    await measure('updated', '2025-03-10T09:00:00+07:00');
    await measure('stale', '2024-11-20T09:00:00+07:00');
    await measure('incomplete', '2025-03-10T09:00:00+07:00');
    // 'stale' in 2025: a measurement withdrawn as entered in error only — no update of the record.
    await s.engine.repo.create({ ...vitalSign(`Patient/${ids.stale}`, '2025-04-02T09:00:00+07:00', '29463-7', 53), status: 'entered-in-error' });
  });
  afterAll(() => s.close());

  test('managed = administrative part complete and updated in the period', async () => {
    const patients = await Promise.all(Object.values(ids).map((id) => s.engine.repo.read('Patient', id) as Promise<Patient>));
    const result = await healthManaged(s.engine.repo, HA_SON.healthManaged, patients, '2025-01-01', '2025-12-31');
    expect(result.managed.get(ids.updated)).toBe(true);
    expect(result.managed.get(ids.stale)).toBe(false);
    expect(result.managed.get(ids.incomplete)).toBe(false);
    expect(result.missingAdministrative.get(ids.incomplete)).toEqual(['ethnicGroup']);
  });

  test('the rule is configuration: counting only visits, nobody here is managed', async () => {
    const patients = await Promise.all(Object.values(ids).map((id) => s.engine.repo.read('Patient', id) as Promise<Patient>));
    const visitsOnly = await healthManaged(s.engine.repo, { ...HA_SON.healthManaged, updateTypes: ['Encounter'] }, patients, '2025-01-01', '2025-12-31');
    expect([...visitsOnly.managed.values()]).toEqual([false, false, false]);
  });
});
