import { useSyncExternalStore } from 'react';
import { request, setCsrfToken } from './http';

export type Role = 'admin' | 'clinician' | 'registrar' | 'officer' | 'auditor';

/** The signed-in staff member as the sign-in answer describes them. */
export interface Session {
  username: string;
  roles: Role[];
  csrfToken: string;
  /** `Practitioner/<id>` of the staff member, when the server says it. */
  practitioner?: string;
  /** The server no longer accepts the session: the page asks to sign in again over the work in progress. */
  expired?: boolean;
}

// sessionStorage: the tab keeps the session across reloads; closing it forgets the CSRF token
// (the session cookie itself is httpOnly and never readable here).
const KEY = 'commune-ehr.session';
const listeners = new Set<() => void>();
let current: Session | undefined = load();
setCsrfToken(current?.csrfToken);

function load(): Session | undefined {
  try {
    const raw = sessionStorage.getItem(KEY);
    return raw ? (JSON.parse(raw) as Session) : undefined;
  } catch {
    return undefined;
  }
}

function set(session: Session | undefined): void {
  current = session;
  setCsrfToken(session?.csrfToken);
  if (session) sessionStorage.setItem(KEY, JSON.stringify(session));
  else sessionStorage.removeItem(KEY);
  listeners.forEach((l) => l());
}

export function useSession(): Session | undefined {
  return useSyncExternalStore(
    (l) => {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    () => current,
  );
}

export async function signIn(username: string, password: string): Promise<Session> {
  const answer = await request<{ csrfToken: string; roles: Role[]; username: string; practitioner?: string }>('/auth/login', {
    method: 'POST',
    body: { username, password },
    headers: { 'content-type': 'application/json' },
  });
  const session: Session = { username: answer.username, roles: answer.roles, csrfToken: answer.csrfToken, practitioner: answer.practitioner };
  set(session);
  return session;
}

/** Ends the session on the server (best effort) and here. */
export async function signOut(): Promise<void> {
  await request('/auth/logout', { method: 'POST' }).catch(() => undefined);
  set(undefined);
}

/**
 * The server no longer knows the session (expired, revoked). The page keeps what is on screen
 * (a visit being typed) and asks to sign in again over it.
 */
export function sessionEnded(): void {
  if (current && !current.expired) set({ ...current, expired: true });
}

export const hasRole = (session: Session | undefined, roles: readonly Role[]): boolean => !!session && session.roles.some((r) => roles.includes(r));
