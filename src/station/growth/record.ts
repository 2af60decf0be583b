import type { Observation, Patient } from '@medplum/fhirtypes';
import { badRequest } from '../../fhir/outcomes';
import type { Repository } from '../../fhir/store/repository';
import { vitalSign } from '../model/clinical';
import { ageInDays } from './zscore';

export interface GrowthMeasurement {
  patient: string;
  /** When the child was measured: a date, or a dateTime with offset. */
  when: string;
  heightCm: number;
  weightKg?: number;
  /** Measured lying down (length); by default lying under 2 years, standing after. */
  lying?: boolean;
}

/**
 * Records a child's height (and weight) in one transaction; the engine derives the height-for-age
 * z-score from the height in that transaction (growth/derive.ts), and it is returned with them.
 */
export async function recordGrowth(repo: Repository, m: GrowthMeasurement): Promise<Observation[]> {
  if (!/^Patient\/[A-Za-z0-9.-]{1,64}$/.test(m.patient)) throw badRequest('patient phải có dạng Patient/<id>', 'patient must be Patient/<id>');
  if (!/^\d{4}-\d{2}-\d{2}/.test(m.when)) throw badRequest('Ngày đo (when) phải có dạng YYYY-MM-DD', 'when must be a date (YYYY-MM-DD…)');
  if (typeof m.heightCm !== 'number' || !(m.heightCm > 0)) throw badRequest('Chiều cao (heightCm) phải là số dương, tính bằng cm', 'heightCm must be a positive number of centimetres');
  return repo.withTransaction(async (tx) => {
    const patient = (await tx.read('Patient', m.patient.slice(8))) as Patient;
    if (!patient.birthDate || (patient.gender !== 'male' && patient.gender !== 'female')) {
      throw badRequest('Cần ngày sinh và giới tính (nam/nữ) của trẻ để tính chỉ số Z', 'The child needs a birth date and sex (male/female) for a z-score');
    }
    const lying = m.lying ?? ageInDays(patient.birthDate, m.when.slice(0, 10)) < 731;
    const height = (await tx.create(vitalSign(m.patient, m.when, lying ? '8306-3' : '8302-2', m.heightCm))).resource as Observation;
    const written: Observation[] = [height];
    if (m.weightKg !== undefined) written.push((await tx.create(vitalSign(m.patient, m.when, '29463-7', m.weightKg))).resource as Observation);
    const derived = await tx.search(tx.parseSearch('Observation', [['derived-from', `Observation/${height.id}`]]));
    written.push(...(derived.resources as Observation[]));
    return written;
  });
}
