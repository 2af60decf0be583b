import { forbidden } from '../fhir/outcomes';
import type { Repository } from '../fhir/store/repository';

/**
 * Who may see what of the report. Aggregates need read access to Measure (officers have it);
 * lists of people need read access to Patient, which officers never have (src/auth/roles.ts).
 */
export function requireAggregates(repo: Repository): void {
  if (!repo.ctx.access.allows('Measure', 'r')) throw forbidden('Bạn không có quyền xem báo cáo chỉ tiêu', 'Not allowed to read indicator reports');
}

export function mayListPeople(repo: Repository): boolean {
  return repo.ctx.access.allows('Patient', 'r');
}

export function requirePeople(repo: Repository): void {
  if (!mayListPeople(repo)) {
    throw forbidden('Danh sách người dân chỉ dành cho nhân viên trạm; cán bộ xã chỉ xem số tổng hợp', 'Lists of residents are for station staff only; officers see aggregates');
  }
}
