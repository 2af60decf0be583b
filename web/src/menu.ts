import type { Role } from './api/session';

export interface MenuItem {
  href: string;
  label: string;
  /** Who sees the item: the server enforces the same limits on the data behind it. */
  roles: readonly Role[];
}

const STAFF: readonly Role[] = ['admin', 'clinician', 'registrar'];
const CLINICAL: readonly Role[] = ['admin', 'clinician'];

/** The menu, in the order a day's work goes. An officer sees only the reports. */
export const MENU: readonly MenuItem[] = [
  { href: '/nguoi-dan', label: 'Tìm người dân', roles: STAFF },
  { href: '/nguoi-dan/moi', label: 'Đăng ký người dân', roles: STAFF },
  { href: '/tiem-chung', label: 'Tiêm chủng', roles: CLINICAL },
  { href: '/kham-tu-xa', label: 'Khám từ xa', roles: CLINICAL },
  { href: '/bao-cao', label: 'Báo cáo', roles: ['admin', 'clinician', 'registrar', 'officer'] },
  { href: '/tai-khoan', label: 'Tài khoản', roles: ['admin'] },
];

export const PAGE_ROLES = {
  residents: STAFF,
  clinical: CLINICAL,
  // The health-criterion report's readers (src/http/report-routes.ts); the A1 register names
  // patients and their diagnoses, so it is for clinical roles only.
  reports: ['admin', 'clinician', 'registrar', 'officer'] as readonly Role[],
  // Account administration (GET /auth/accounts and the disable/enable endpoints are admin only).
  accounts: ['admin'] as readonly Role[],
};

export const menuFor = (roles: readonly Role[]): MenuItem[] => MENU.filter((item) => item.roles.some((r) => roles.includes(r)));
