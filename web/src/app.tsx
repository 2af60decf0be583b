import { useEffect, type ReactNode } from 'react';
import { Link, Redirect, Route, Switch, useLocation } from 'wouter';
import { onUnauthorised } from './api/http';
import { hasRole, sessionEnded, signOut, useSession, type Role } from './api/session';
import { menuFor, PAGE_ROLES } from './menu';
import { AccountsPage } from './pages/accounts';
import { ActivatePage } from './pages/activate';
import { ConsultationPage } from './pages/consultation';
import { EnrolmentPage } from './pages/enrolment';
import { MergePage } from './pages/merge';
import { ImmunisationPage } from './pages/immunisation';
import { RegisterPage } from './pages/register';
import { RemotePage } from './pages/remote';
import { ReportsPage } from './pages/reports';
import { ResidentPage } from './pages/resident';
import { SearchPage } from './pages/search';
import { VisitPage } from './pages/visit';
import { SignInPage } from './pages/sign-in';
import { OutboxStatus } from './visit/outbox-status';

/** The page frame: the station's name, the menu of the signed-in role, and the routes. */
export function App() {
  const session = useSession();
  const [location] = useLocation();
  useEffect(() => onUnauthorised(sessionEnded), []);
  // The resident's activation page needs no staff session.
  if (location === '/kich-hoat') return <ActivatePage />;
  if (!session) return <SignInPage />;
  const menu = menuFor(session.roles);
  return (
    <>
      {session.expired && (
        <div className="overlay" role="dialog" aria-modal="true" aria-label="Đăng nhập lại">
          <SignInPage expired />
        </div>
      )}
      <header className="top">
        <div className="brand">Trạm Y tế</div>
        <nav aria-label="Chức năng">
          {menu.map((item) => (
            <MenuLink key={item.href} href={item.href} label={item.label} />
          ))}
        </nav>
        <div className="user">
          <span>{session.username}</span>
          <button type="button" className="link" title={`Đang đăng nhập: ${session.username}`} onClick={() => void signOut()}>
            Đăng xuất
          </button>
        </div>
      </header>
      <OutboxStatus />
      <main>
        <Switch>
          <Route path="/">{menu[0] ? <Redirect to={menu[0].href} replace /> : <NoAccess />}</Route>
          <Route path="/nguoi-dan">
            <Allowed roles={PAGE_ROLES.residents}>
              <SearchPage />
            </Allowed>
          </Route>
          <Route path="/nguoi-dan/moi">
            <Allowed roles={PAGE_ROLES.residents}>
              <RegisterPage />
            </Allowed>
          </Route>
          <Route path="/bao-cao">
            <Allowed roles={PAGE_ROLES.reports}>
              <ReportsPage />
            </Allowed>
          </Route>
          <Route path="/tai-khoan">
            <Allowed roles={PAGE_ROLES.accounts}>
              <AccountsPage />
            </Allowed>
          </Route>
          <Route path="/kham-tu-xa">
            <Allowed roles={PAGE_ROLES.clinical}>
              <RemotePage />
            </Allowed>
          </Route>
          <Route path="/kham-tu-xa/:id">
            {(params) => (
              <Allowed roles={PAGE_ROLES.clinical}>
                <ConsultationPage id={params.id} />
              </Allowed>
            )}
          </Route>
          <Route path="/tiem-chung">
            <Allowed roles={PAGE_ROLES.clinical}>
              <ImmunisationPage />
            </Allowed>
          </Route>
          <Route path="/nguoi-dan/:id/kham">
            {(params) => (
              <Allowed roles={PAGE_ROLES.clinical}>
                <VisitPage id={params.id} />
              </Allowed>
            )}
          </Route>
          <Route path="/nguoi-dan/:id/gop">
            {(params) => (
              <Allowed roles={PAGE_ROLES.clinical}>
                <MergePage id={params.id} />
              </Allowed>
            )}
          </Route>
          <Route path="/nguoi-dan/:id/ung-dung">
            {(params) => (
              <Allowed roles={PAGE_ROLES.residents}>
                <EnrolmentPage id={params.id} />
              </Allowed>
            )}
          </Route>
          <Route path="/nguoi-dan/:id">
            {(params) => (
              <Allowed roles={PAGE_ROLES.residents}>
                <ResidentPage id={params.id} />
              </Allowed>
            )}
          </Route>
          <Route>
            <NotFound />
          </Route>
        </Switch>
      </main>
    </>
  );
}

function MenuLink({ href, label }: { href: string; label: string }) {
  const [location] = useLocation();
  const active = location === href || (href !== '/nguoi-dan' && location.startsWith(`${href}/`));
  return (
    <Link href={href} className={active ? 'active' : undefined} aria-current={active ? 'page' : undefined}>
      {label}
    </Link>
  );
}

/** Shows the page only to the roles allowed to use it (the server refuses the data to others anyway). */
export function Allowed({ roles, children }: { roles: readonly Role[]; children: ReactNode }) {
  const session = useSession();
  return hasRole(session, roles) ? <>{children}</> : <NoAccess />;
}

function NoAccess() {
  return (
    <section className="notice" role="alert">
      <h1>Không có quyền truy cập</h1>
      <p>Tài khoản của bạn không được mở trang này. Nếu cần, hãy nhờ quản trị viên của trạm cấp quyền.</p>
    </section>
  );
}

function NotFound() {
  return (
    <section className="notice">
      <h1>Không tìm thấy trang</h1>
      <p>
        <Link href="/">Về trang đầu</Link>
      </p>
    </section>
  );
}

