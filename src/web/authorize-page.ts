import { AUTHORIZATION_PARAMS } from '../auth/authorization-request';
import type { RecordChoice } from '../auth/carers';
import { scopeWords } from './scope-words';

/** Escapes text for HTML element content and attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}


/**
 * The Content-Security-Policy of the sign-in pages. helmet's default has `form-action 'self'`, and
 * Chromium applies form-action to the redirect that answers a form too: the resident's browser
 * stopped on the page instead of going back to the app with its code. These pages' forms may lead
 * to the server and to the app's redirect URI — checked against the app's registration before any
 * page is shown — and nowhere else. No scripts; no upgrade-insecure-requests (a station on the
 * local network serves plain http).
 */
export function signInPageCsp(redirectUri: string): string {
  // Registration takes https and loopback http redirect URIs only (src/auth/service.ts): an origin.
  const app = new URL(redirectUri).origin;
  return ["default-src 'none'", "style-src 'unsafe-inline'", `form-action 'self' ${app}`, "base-uri 'none'", "frame-ancestors 'none'"].join('; ');
}

/** The authorization request's parameters as hidden fields, so the next step sends them again. */
function carried(params: Record<string, string>): string {
  return AUTHORIZATION_PARAMS.filter((k) => typeof params[k] === 'string')
    .map((k) => `<input type="hidden" name="${k}" value="${escapeHtml(params[k])}">`)
    .join('\n      ');
}

/**
 * The sign-in page a resident sees when their e-health app asks for access (SMART standalone
 * launch). Vietnamese; the authorization request's parameters ride along as hidden fields.
 */
/** The app asking, as the sign-in pages name it: its registered name and the scope it will really get. */
export interface AskingApp {
  name: string;
  scope: string;
}

export function authorizePage(params: Record<string, string>, app: AskingApp, error?: string): string {
  const asks = scopeWords(app.scope)
    .map((w) => `<li>${escapeHtml(w)}</li>`)
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
    <p>Ứng dụng <strong>${escapeHtml(app.name)}</strong> xin các quyền sau với hồ sơ sức khỏe của bạn tại trạm y tế xã:</p>
    <ul>
      ${asks}
    </ul>
    <details><summary>Chi tiết kỹ thuật</summary><code>${escapeHtml(app.scope)}</code></details>
    ${error ? `<p role="alert"><strong>${escapeHtml(error)}</strong></p>` : ''}
    <form method="post" action="/oauth2/authorize">
      ${carried(params)}
      <label>Tên đăng nhập <input name="username" autocomplete="username" required></label>
      <label>Mật khẩu <input name="password" type="password" autocomplete="current-password" required></label>
      <button type="submit">Đồng ý và đăng nhập</button>
    </form>
  </main>
</body>
</html>`;
}

/** A FHIR date as Vietnamese read it: 2023-05-07 → 07/05/2023. */
const vietnameseDate = (date: string): string => date.split('-').reverse().join('/');

/**
 * The second step for a carer (docs/security.md "Carers"): whose record the app opens — their own,
 * or a dependant's. The sign-in ticket stands for the password just checked; the choice is checked
 * again on the server against the carer's links.
 */
export function chooseRecordPage(params: Record<string, string>, app: AskingApp, ticket: string, options: RecordChoice[], error?: string): string {
  const choices = options
    .map((o, i) => {
      const label = o.own ? `Hồ sơ của tôi (${escapeHtml(o.name)})` : `${escapeHtml(o.name)}${o.birthDate ? `, sinh ngày ${escapeHtml(vietnameseDate(o.birthDate))}` : ''}`;
      return `<label><input type="radio" name="patient" value="${o.own ? 'self' : escapeHtml(o.patientId)}"${i === 0 ? ' checked' : ''}> ${label}</label>`;
    })
    .join('\n        ');
  return `<!doctype html>
<html lang="vi">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>Chọn hồ sơ — Sổ sức khỏe điện tử</title>
</head>
<body>
  <main>
    <h1>Mở hồ sơ của ai?</h1>
    <p>Bạn là người chăm sóc đã được trạm y tế xã ghi nhận. Ứng dụng <strong>${escapeHtml(app.name)}</strong> sẽ mở hồ sơ bạn chọn; muốn xem hồ sơ khác, hãy đăng nhập lại.</p>
    ${error ? `<p role="alert"><strong>${escapeHtml(error)}</strong></p>` : ''}
    <form method="post" action="/oauth2/authorize">
      ${carried(params)}
      <input type="hidden" name="sign_in_ticket" value="${escapeHtml(ticket)}">
      <fieldset>
        <legend>Hồ sơ</legend>
        ${choices}
      </fieldset>
      <button type="submit">Mở hồ sơ đã chọn</button>
    </form>
  </main>
</body>
</html>`;
}
