import type { Bundle, BundleEntry } from '@medplum/fhirtypes';
import { fhir } from '../api/fhir';
import { ApiError, NetworkError } from '../api/http';

/**
 * Saves that must not be lost: a visit or a dose is put here, sent as one transaction, and kept —
 * in the page and in the tab's sessionStorage, so a reload keeps it too — until the server has
 * stored it. A save that got no answer is retried, with the same client-made identifiers (see
 * identifiers.ts), until it gets one; the server then stores it once, however many times it came.
 * A save the server refused (4xx) waits for the user: sending it again would be refused again.
 */

export type SaveState = 'sending' | 'waiting' | 'refused' | 'saved';

export interface PendingSave<P = unknown> {
  /** The client-made identifier of the main resource (the Encounter, the Immunization). */
  key: string;
  kind: 'visit' | 'dose';
  /** `Patient/<id>` */
  patient: string;
  /** What the page shows while it waits, in Vietnamese. */
  label: string;
  preview: P;
  entries: BundleEntry[];
  state: SaveState;
  attempts: number;
  error?: string;
  nextTry?: number;
  /** `Type/id` of each entry once stored, in the order of `entries`. */
  locations?: string[];
}

const STORE = 'commune-ehr.outbox';
/** Seconds before the next try: soon at first, then every half minute. */
const BACKOFF = [2, 4, 8, 15, 30];
/** A transaction that has not answered in this time is treated as lost and tried again. */
const TIMEOUT_MS = 15_000;

const saves = new Map<string, PendingSave>(load().map((s) => [s.key, { ...s, state: s.state === 'sending' ? 'waiting' : s.state }]));
const listeners = new Set<() => void>();
const timers = new Map<string, ReturnType<typeof setTimeout>>();
const results = new Map<string, (s: PendingSave) => void>();
let snapshot: PendingSave[] = [...saves.values()];

function load(): PendingSave[] {
  try {
    return JSON.parse(sessionStorage.getItem(STORE) ?? '[]') as PendingSave[];
  } catch {
    return [];
  }
}

function changed(): void {
  const kept = [...saves.values()].filter((s) => s.state !== 'saved');
  sessionStorage.setItem(STORE, JSON.stringify(kept));
  snapshot = [...saves.values()];
  listeners.forEach((l) => l());
}

export const outbox = {
  subscribe(listener: () => void): () => void {
    listeners.add(listener);
    return () => listeners.delete(listener);
  },

  /** Every save this tab knows of (saved ones until the page forgets them). */
  list(): PendingSave[] {
    return snapshot;
  },

  /** Not yet stored. */
  pending(): PendingSave[] {
    return snapshot.filter((s) => s.state !== 'saved');
  },

  /**
   * Sends a save; resolves when it is stored, refused, or known to be waiting for the connection
   * (it keeps being retried after that).
   */
  submit<P>(save: Omit<PendingSave<P>, 'state' | 'attempts'>): Promise<PendingSave<P>> {
    const entry: PendingSave = { ...save, state: 'sending', attempts: 0 };
    saves.set(save.key, entry);
    changed();
    return new Promise((resolve) => {
      results.set(save.key, resolve as (s: PendingSave) => void);
      void attempt(save.key);
    });
  },

  /** Tries a waiting or refused save again now. */
  retry(key: string): void {
    void attempt(key);
  },

  /** Gives up a refused save (the user will enter it again, corrected). */
  discard(key: string): void {
    clearTimeout(timers.get(key));
    saves.delete(key);
    changed();
  },

  /** Called when the connection or the session comes back: every waiting save goes now. */
  resume(): void {
    for (const s of saves.values()) if (s.state === 'waiting') void attempt(s.key);
  },
};

async function attempt(key: string): Promise<void> {
  const save = saves.get(key);
  if (!save || save.state === 'saved' || (save.state === 'sending' && save.attempts > 0)) return;
  clearTimeout(timers.get(key));
  update(key, { state: 'sending', attempts: save.attempts + 1, error: undefined, nextTry: undefined });
  try {
    const answer: Bundle = await fhir.transaction(save.entries, TIMEOUT_MS);
    const locations = (answer.entry ?? []).map((e) => e.response?.location?.replace(/\/_history\/.*$/, '') ?? '');
    finish(key, { state: 'saved', locations });
  } catch (err) {
    if (err instanceof ApiError && err.status >= 400 && err.status < 500 && ![401, 408, 429].includes(err.status)) {
      finish(key, { state: 'refused', error: err.message });
      return;
    }
    const delay = BACKOFF[Math.min(save.attempts, BACKOFF.length - 1)] * 1000;
    const error = err instanceof ApiError && err.status === 401 ? 'Cần đăng nhập lại để lưu' : err instanceof NetworkError ? 'Mất kết nối với máy chủ' : err instanceof Error ? err.message : String(err);
    finish(key, { state: 'waiting', error, nextTry: Date.now() + delay });
    // After a 401 only a new sign-in helps (resume() is called then); otherwise try again later.
    if (!(err instanceof ApiError && err.status === 401)) timers.set(key, setTimeout(() => void attempt(key), delay));
  }
}

function update(key: string, change: Partial<PendingSave>): void {
  const save = saves.get(key);
  if (!save) return;
  saves.set(key, { ...save, ...change });
  changed();
}

/** Records the outcome and tells whoever submitted it (only the first outcome resolves the promise). */
function finish(key: string, change: Partial<PendingSave>): void {
  update(key, change);
  const resolve = results.get(key);
  results.delete(key);
  resolve?.(saves.get(key)!);
}

/** Saves left from before a reload of the tab are sent again; so are waiting ones when the connection returns. */
export function startOutbox(): () => void {
  const online = (): void => outbox.resume();
  window.addEventListener('online', online);
  // Leaving the page with unsaved work asks first (the browser shows its own question).
  const leaving = (event: BeforeUnloadEvent): void => {
    if (outbox.pending().length) event.preventDefault();
  };
  window.addEventListener('beforeunload', leaving);
  outbox.resume();
  return () => {
    window.removeEventListener('online', online);
    window.removeEventListener('beforeunload', leaving);
  };
}
