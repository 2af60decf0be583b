import { useState, type FormEvent } from 'react';
import { useSearch } from 'wouter';
import { ApiError } from '../api/http';
import { request } from '../api/http';

/**
 * The resident's own page (no staff sign-in): set a password with the activation code handed over
 * at the station. The QR code on the code slip opens this page with both filled in.
 */
export function ActivatePage() {
  const query = new URLSearchParams(useSearch());
  const [username, setUsername] = useState(query.get('u') ?? '');
  const [code, setCode] = useState(query.get('c') ?? '');
  const [password, setPassword] = useState('');
  const [again, setAgain] = useState('');
  const [error, setError] = useState<string>();
  const [done, setDone] = useState(false);

  const submit = async (event: FormEvent): Promise<void> => {
    event.preventDefault();
    if (password !== again) return setError('Hai lần nhập mật khẩu không giống nhau');
    setError(undefined);
    try {
      await request('/auth/activate', { method: 'POST', body: { username: username.trim(), code: code.replace(/\s/g, ''), password }, headers: { 'content-type': 'application/json' } });
      setDone(true);
    } catch (err) {
      setError(err instanceof ApiError ? err.message : 'Không kết nối được máy chủ của trạm');
    }
  };

  return (
    <main className="sign-in">
      <form onSubmit={submit} aria-labelledby="activate-title">
        <h1 id="activate-title">Kích hoạt tài khoản</h1>
        {done ? (
          <p className="banner ok" role="status">
            Đã kích hoạt. Hãy đăng nhập trong ứng dụng sức khỏe bằng tên đăng nhập <strong>{username}</strong> và mật khẩu vừa đặt.
          </p>
        ) : (
          <>
            <p className="muted">Đặt mật khẩu cho ứng dụng sức khỏe của trạm y tế bằng mã kích hoạt trạm đã đưa.</p>
            <label>
              Tên đăng nhập
              <input value={username} onChange={(e) => setUsername(e.target.value)} autoComplete="username" required />
            </label>
            <label>
              Mã kích hoạt
              <input value={code} onChange={(e) => setCode(e.target.value)} inputMode="numeric" autoComplete="one-time-code" required />
            </label>
            <label>
              Mật khẩu mới
              <input type="password" value={password} onChange={(e) => setPassword(e.target.value)} autoComplete="new-password" required minLength={8} />
              <span className="hint">Ít nhất 8 ký tự, không chỉ gồm chữ số, không chứa tên đăng nhập, không phải mật khẩu phổ biến (như anhyeuem, password1)</span>
            </label>
            <label>
              Nhập lại mật khẩu
              <input type="password" value={again} onChange={(e) => setAgain(e.target.value)} autoComplete="new-password" required />
            </label>
            {error && (
              <p className="error" role="alert">
                {error}
              </p>
            )}
            <button type="submit" className="primary">
              Kích hoạt
            </button>
          </>
        )}
      </form>
    </main>
  );
}
