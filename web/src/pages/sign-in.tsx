import { useState, type FormEvent } from 'react';
import { ApiError, NetworkError } from '../api/http';
import { signIn } from '../api/session';

/**
 * Staff sign-in with the station account; the session cookie is set by the server. `expired`:
 * shown over the page when the session ended, so nothing typed is lost.
 */
export function SignInPage({ expired = false }: { expired?: boolean }) {
  const Frame = expired ? 'div' : 'main';
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent): Promise<void> => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      await signIn(username.trim(), password);
    } catch (err) {
      setError(err instanceof ApiError ? err.message : err instanceof NetworkError ? 'Không kết nối được máy chủ của trạm. Hãy kiểm tra mạng rồi thử lại.' : String(err));
      setBusy(false);
    }
  };

  return (
    <Frame className={expired ? 'sign-in over' : 'sign-in'}>
      <form onSubmit={submit} aria-labelledby="sign-in-title">
        <h1 id="sign-in-title">{expired ? 'Phiên làm việc đã hết' : 'Đăng nhập'}</h1>
        <p className="muted">{expired ? 'Đăng nhập lại để tiếp tục; những gì đang nhập trên trang vẫn được giữ.' : 'Hồ sơ sức khỏe điện tử của trạm y tế xã'}</p>
        <label>
          Tên đăng nhập
          <input name="username" autoComplete="username" autoFocus required value={username} onChange={(e) => setUsername(e.target.value)} />
        </label>
        <label>
          Mật khẩu
          <input name="password" type="password" autoComplete="current-password" required value={password} onChange={(e) => setPassword(e.target.value)} />
        </label>
        {error && (
          <p className="error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" className="primary" disabled={busy}>
          {busy ? 'Đang đăng nhập…' : 'Đăng nhập'}
        </button>
      </form>
    </Frame>
  );
}
