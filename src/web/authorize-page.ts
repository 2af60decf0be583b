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
  return signInDocument(
    'Đăng nhập',
    `<h1>Đăng nhập sổ sức khỏe điện tử</h1>
    <p>Ứng dụng <strong>${escapeHtml(app.name)}</strong> xin các quyền sau với hồ sơ sức khỏe của bạn tại trạm y tế xã:</p>
    <ul>
      ${asks}
    </ul>
    <details><summary>Chi tiết kỹ thuật</summary><code>${escapeHtml(app.scope)}</code></details>
    ${alert(error)}
    <form method="post" action="/oauth2/authorize">
      ${carried(params)}
      <label>Tên đăng nhập <input name="username" autocomplete="username" required></label>
      <label>Mật khẩu <input name="password" type="password" autocomplete="current-password" required></label>
      <button type="submit">Đồng ý và đăng nhập</button>
    </form>`,
  );
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
      return `<label class="choice"><input type="radio" name="patient" value="${o.own ? 'self' : escapeHtml(o.patientId)}"${i === 0 ? ' checked' : ''}> ${label}</label>`;
    })
    .join('\n        ');
  return signInDocument(
    'Chọn hồ sơ',
    `<h1>Mở hồ sơ của ai?</h1>
    <p>Bạn là người chăm sóc đã được trạm y tế xã ghi nhận. Ứng dụng <strong>${escapeHtml(app.name)}</strong> sẽ mở hồ sơ bạn chọn; muốn xem hồ sơ khác, hãy đăng nhập lại.</p>
    ${alert(error)}
    <form method="post" action="/oauth2/authorize">
      ${carried(params)}
      <input type="hidden" name="sign_in_ticket" value="${escapeHtml(ticket)}">
      <fieldset>
        <legend>Hồ sơ</legend>
        ${choices}
      </fieldset>
      <button type="submit">Mở hồ sơ đã chọn</button>
    </form>`,
  );
}

const alert = (error: string | undefined): string => (error ? `<p role="alert"><strong>${escapeHtml(error)}</strong></p>` : '');

/**
 * The pages a resident sees on their phone while their app signs in: no script, no file to fetch
 * (the CSP allows none), so the little styling they need is inline — readable type, full-width
 * fields and buttons a thumb can hit, the station app's green.
 */
function signInDocument(title: string, main: string): string {
  return `<!doctype html>
<html lang="vi">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>${title} — Sổ sức khỏe điện tử</title>
  <style>${SIGN_IN_STYLE}</style>
</head>
<body>
  <main>
    ${main}
  </main>
</body>
</html>`;
}

const SIGN_IN_STYLE = [
  'body{margin:0;font:17px/1.5 system-ui,"Segoe UI",Roboto,"Noto Sans",sans-serif;color:#1c2b27;background:#f4f7f6}',
  'main{max-width:30rem;margin:0 auto;padding:1.25rem}',
  'h1{font-size:1.4rem;color:#0b6e4f}',
  'label{display:block;margin:.9rem 0;font-weight:600}',
  'input:not([type=radio]){display:block;box-sizing:border-box;width:100%;margin-top:.3rem;padding:.7rem;font:inherit;border:1px solid #9bb0a9;border-radius:.4rem}',
  'fieldset{border:1px solid #c9d6d2;border-radius:.4rem;padding:.5rem 1rem}',
  'label.choice{font-weight:400;padding:.4rem 0}',
  'input[type=radio]{width:1.3rem;height:1.3rem;vertical-align:-.25rem;margin-right:.5rem}',
  'button{display:block;width:100%;margin-top:1.2rem;padding:.85rem;font:inherit;font-weight:600;color:#fff;background:#0b6e4f;border:0;border-radius:.4rem}',
  '[role=alert]{color:#a11d1d}',
  'code{word-break:break-all;font-size:.85rem}',
].join('');
