/** Escapes text for HTML element content and attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

const CARRIED = ['response_type', 'client_id', 'redirect_uri', 'scope', 'state', 'aud', 'code_challenge', 'code_challenge_method', 'launch'];

/**
 * The sign-in page a resident sees when their e-health app asks for access (SMART standalone
 * launch). Vietnamese; the authorization request's parameters ride along as hidden fields.
 */
export function authorizePage(params: Record<string, string>, error?: string): string {
  const hidden = CARRIED.filter((k) => typeof params[k] === 'string')
    .map((k) => `<input type="hidden" name="${k}" value="${escapeHtml(params[k])}">`)
    .join('\n      ');
  return `<!doctype html>
<html lang="vi">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>Đăng nhập — Sổ sức khỏe điện tử</title>
</head>
<body>
  <main>
    <h1>Đăng nhập sổ sức khỏe điện tử</h1>
    <p>Ứng dụng <strong>${escapeHtml(params.client_id ?? '')}</strong> xin quyền đọc hồ sơ sức khỏe của bạn tại trạm y tế xã.</p>
    <p>Quyền yêu cầu: <code>${escapeHtml(params.scope ?? '')}</code></p>
    ${error ? `<p role="alert"><strong>${escapeHtml(error)}</strong></p>` : ''}
    <form method="post" action="/oauth2/authorize">
      ${hidden}
      <label>Tên đăng nhập <input name="username" autocomplete="username" required></label>
      <label>Mật khẩu <input name="password" type="password" autocomplete="current-password" required></label>
      <button type="submit">Đồng ý và đăng nhập</button>
    </form>
  </main>
</body>
</html>`;
}
