import type { Appointment } from '@medplum/fhirtypes';

/**
 * The Vietnamese name of each R4 Appointment status, for the Vietnamese half of a refusal: a nurse
 * or a resident reads "đã hủy", not the code "cancelled" (the English half keeps the code).
 */
const VIETNAMESE: Record<Appointment['status'], string> = {
  proposed: 'chờ nhận',
  pending: 'chờ nhận',
  booked: 'đã nhận',
  arrived: 'người dân đã vào',
  fulfilled: 'đã khám xong',
  cancelled: 'đã hủy',
  noshow: 'không đến',
  'entered-in-error': 'nhập nhầm',
  'checked-in': 'đã đến',
  waitlist: 'đang chờ xếp lịch',
};

export const statusVi = (status: Appointment['status']): string => VIETNAMESE[status];
