import { useState } from 'react';
import { listAccounts, setDisabled, type AccountSummary } from '../accounts/api';
import { ApiError } from '../api/http';
import { useSession } from '../api/session';
import { useAsync } from '../hooks';
import { roleDisplay } from '../terminology';

/**
 * Account administration (admins): who may sign in — staff and residents' app accounts — and a
 * button to disable or enable each. The server refuses an admin's own account and the last
 * active admin's; the page shows its answer.
 */
export function AccountsPage() {
  const session = useSession();
  const list = useAsync((signal) => listAccounts(signal), []);
  return (
    <section className="stack">
      <h1>Tài khoản</h1>
      <p className="muted">
        Tài khoản bị vô hiệu hóa không đăng nhập được nữa, và các phiên làm việc, ứng dụng đang dùng tài khoản đó dừng ngay. Cho hoạt động lại thì người đó đăng nhập lại từ đầu.
      </p>
      {list.error && <p className="banner error" role="alert">{list.error.message}</p>}
      {list.data && (
        <table aria-label="Danh sách tài khoản">
          <thead>
            <tr>
              <th>Tên đăng nhập</th>
              <th>Vai trò</th>
              <th>Tình trạng</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {list.data.map((a) => (
              <AccountRow key={a.username} account={a} own={a.kind === 'staff' && a.username === session?.username} changed={list.reload} />
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function AccountRow({ account: a, own, changed }: { account: AccountSummary; own: boolean; changed(): void }) {
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const change = async (disabled: boolean): Promise<void> => {
    setBusy(true);
    setError(undefined);
    try {
      await setDisabled(a.username, disabled);
      setConfirming(false);
      changed();
    } catch (err) {
      setError(err instanceof ApiError ? err.message : 'Mất kết nối với máy chủ');
    } finally {
      setBusy(false);
    }
  };
  const roles = a.kind === 'resident' ? 'Ứng dụng của người dân' : a.roles.map(roleDisplay).join(', ');
  return (
    <tr>
      <td>
        {a.username}
        {own && <div className="hint">Tài khoản của bạn</div>}
      </td>
      <td>{roles}</td>
      <td>{a.disabled ? <span className="badge error">Đã vô hiệu hóa</span> : <span className="badge ok">Đang hoạt động</span>}</td>
      <td>
        {a.disabled && (
          <button type="button" disabled={busy} aria-label={`Cho hoạt động lại ${a.username}`} onClick={() => void change(false)}>
            Cho hoạt động lại
          </button>
        )}
        {!a.disabled && !own && !confirming && (
          <button type="button" aria-label={`Vô hiệu hóa ${a.username}`} onClick={() => setConfirming(true)}>
            Vô hiệu hóa
          </button>
        )}
        {confirming && (
          <div className="row">
            <span>Vô hiệu hóa {a.username}?</span>
            <button type="button" className="primary" disabled={busy} onClick={() => void change(true)}>
              Đồng ý
            </button>
            <button type="button" disabled={busy} onClick={() => setConfirming(false)}>
              Thôi
            </button>
          </div>
        )}
        {error && (
          <div className="field-error" role="alert">
            {error}
          </div>
        )}
      </td>
    </tr>
  );
}
