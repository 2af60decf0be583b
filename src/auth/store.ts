import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { Queryable } from '../db/database';
import { LiveGrants } from './live-grants';

/** SHA-256 of a random token: codes and refresh tokens are stored only as hashes. */
export const hashToken = (token: string): string => createHash('sha256').update(token).digest('hex');

/** A random token of `bytes` bytes, URL-safe. */
export const randomToken = (bytes = 32): string => randomBytes(bytes).toString('base64url');

export interface Account {
  id: string;
  kind: 'staff' | 'resident';
  username: string;
  passwordHash: string | null;
  roles: string[];
  practitionerId: string | null;
  patientId: string | null;
  activationHash: string | null;
  activationExpires: Date | null;
  failedLogins: number;
  lockedUntil: Date | null;
  disabled: boolean;
}

/** An account as the account list shows it (AuthStore.accountList). */
export type AccountSummary = Pick<Account, 'username' | 'kind' | 'roles' | 'disabled'>;

export interface Client {
  clientId: string;
  name: string;
  authMethod: 'none' | 'client_secret_basic' | 'private_key_jwt';
  secretHash: string | null;
  redirectUris: string[];
  grantTypes: string[];
  scope: string;
  jwks: { keys: object[] } | null;
  jwksUri: string | null;
}

export interface Grant {
  id: string;
  clientId: string;
  accountId: string | null;
  patientId: string | null;
  scope: string;
  revokedAt: Date | null;
  /** When the grant was made: the sign-in that started a refresh token family. */
  createdAt: Date;
}

/** A carer's link to a dependant: the dependant's Patient and the RelatedPerson standing for the carer in their record. */
export interface CarerLink {
  patientId: string;
  relatedPersonId: string;
}

/** What a Patient merge moved from the retired Patient to the kept one (AuthStore.followMerge). */
export interface MergeFollowed {
  /** Resident accounts now bound to the kept Patient. */
  accounts: string[];
  /** Live grants (and so their refresh token families) now bound to it. */
  grants: string[];
}

const accountOf = (r: any): Account => ({
  id: r.id,
  kind: r.kind,
  username: r.username,
  passwordHash: r.password_hash,
  roles: Array.from(r.roles ?? []),
  practitionerId: r.practitioner_id,
  patientId: r.patient_id,
  activationHash: r.activation_hash,
  activationExpires: r.activation_expires ? new Date(r.activation_expires) : null,
  failedLogins: r.failed_logins,
  lockedUntil: r.locked_until ? new Date(r.locked_until) : null,
  disabled: r.disabled,
});

const clientOf = (r: any): Client => ({
  clientId: r.client_id,
  name: r.name,
  authMethod: r.auth_method,
  secretHash: r.secret_hash,
  // Copied: rows from the embedded database's worker thread carry arrays of another realm, and the
  // OAuth library checks `instanceof Array`.
  redirectUris: Array.from(r.redirect_uris ?? []),
  grantTypes: Array.from(r.grant_types ?? []),
  scope: r.scope,
  jwks: r.jwks,
  jwksUri: r.jwks_uri,
});

const grantOf = (r: any): Grant => ({
  id: r.id,
  clientId: r.client_id,
  accountId: r.account_id,
  patientId: r.patient_id,
  scope: r.scope,
  revokedAt: r.revoked_at ? new Date(r.revoked_at) : null,
  createdAt: new Date(r.created_at),
});

/** Persistence of accounts, clients, grants, codes and refresh tokens, for one station. */
export class AuthStore {
  private readonly liveGrants = new LiveGrants();

  constructor(
    private readonly db: Queryable,
    private readonly stationId: string,
  ) {}

  // ------------------------------------------------------------------ accounts

  async accountByUsername(username: string, q: Queryable = this.db): Promise<Account | undefined> {
    const rows = await q.query(`SELECT * FROM account WHERE station_id = $1 AND username = $2`, [this.stationId, username]);
    return rows[0] && accountOf(rows[0]);
  }

  async accountById(id: string): Promise<Account | undefined> {
    const rows = await this.db.query(`SELECT * FROM account WHERE station_id = $1 AND id = $2`, [this.stationId, id]);
    return rows[0] && accountOf(rows[0]);
  }

  async accountByPatient(patientId: string, q: Queryable = this.db): Promise<Account | undefined> {
    const rows = await q.query(`SELECT * FROM account WHERE station_id = $1 AND patient_id = $2`, [this.stationId, patientId]);
    return rows[0] && accountOf(rows[0]);
  }

  /**
   * Every account of the station as account administration shows it: username, kind, roles and
   * whether it is disabled — nothing else (no hashes, no Patient or Practitioner). Staff first.
   */
  async accountList(): Promise<AccountSummary[]> {
    const rows = await this.db.query<any>(
      `SELECT username, kind, roles, disabled FROM account WHERE station_id = $1 ORDER BY kind DESC, username`,
      [this.stationId],
    );
    return rows.map((r) => ({ username: r.username, kind: r.kind, roles: Array.from(r.roles ?? []), disabled: r.disabled }));
  }

  async hasAdmin(): Promise<boolean> {
    const rows = await this.db.query(`SELECT 1 FROM account WHERE station_id = $1 AND 'admin' = ANY(roles) LIMIT 1`, [this.stationId]);
    return rows.length > 0;
  }

  /** Inserts an account; a taken username answers undefined. */
  async insertAccount(a: Omit<Account, 'id' | 'failedLogins' | 'lockedUntil' | 'disabled'>, q: Queryable = this.db): Promise<Account | undefined> {
    const rows = await q.query(
      `INSERT INTO account (station_id, id, kind, username, password_hash, roles, practitioner_id, patient_id, activation_hash, activation_expires)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
       ON CONFLICT (station_id, username) DO NOTHING RETURNING *`,
      [this.stationId, randomUUID(), a.kind, a.username, a.passwordHash, a.roles, a.practitionerId, a.patientId, a.activationHash, a.activationExpires?.toISOString() ?? null],
    );
    return rows[0] && accountOf(rows[0]);
  }

  async setPassword(accountId: string, passwordHash: string): Promise<void> {
    await this.db.query(
      `UPDATE account SET password_hash = $3, activation_hash = NULL, activation_expires = NULL, failed_logins = 0, locked_until = NULL
        WHERE station_id = $1 AND id = $2`,
      [this.stationId, accountId, passwordHash],
    );
  }

  async setActivation(accountId: string, activationHash: string, expires: Date, q: Queryable = this.db): Promise<void> {
    await q.query(`UPDATE account SET activation_hash = $3, activation_expires = $4 WHERE station_id = $1 AND id = $2`, [
      this.stationId,
      accountId,
      activationHash,
      expires.toISOString(),
    ]);
  }

  /** Records a failed login; returns the new count. Locks the account for `lockSeconds` at `maxFailures`. */
  async recordFailure(accountId: string, maxFailures: number, lockSeconds: number): Promise<number> {
    const rows = await this.db.query<{ failed_logins: number }>(
      `UPDATE account SET failed_logins = failed_logins + 1,
              locked_until = CASE WHEN failed_logins + 1 >= $3 THEN now() + make_interval(secs => $4) ELSE locked_until END
        WHERE station_id = $1 AND id = $2 RETURNING failed_logins`,
      [this.stationId, accountId, maxFailures, lockSeconds],
    );
    return rows[0]?.failed_logins ?? 0;
  }

  /**
   * Disables an account and revokes its live grants (a staff session, a resident's apps), through
   * `q` — a transaction, so both are stored or neither. The account first: a grant being made for
   * it at the same time holds its row (createAccountGrant), so it is made before and revoked here
   * (the second statement sees it), or is refused after. This process forgets the grants at once
   * (never remembering them again); another process within LiveGrants' 5 seconds. Undefined when
   * there is no such account.
   */
  async disableAccount(username: string, q: Queryable = this.db): Promise<{ account: Account; grants: string[] } | undefined> {
    const rows = await q.query(`UPDATE account SET disabled = true WHERE station_id = $1 AND username = $2 RETURNING *`, [this.stationId, username]);
    if (!rows[0]) return undefined;
    const account = accountOf(rows[0]);
    const grants = await q.query<{ id: string }>(
      `UPDATE oauth_grant SET revoked_at = now() WHERE station_id = $1 AND account_id = $2 AND revoked_at IS NULL RETURNING id`,
      [this.stationId, account.id],
    );
    const ids = grants.map((r) => r.id);
    ids.forEach((id) => this.liveGrants.forget(id));
    return { account, grants: ids };
  }

  /**
   * Enables a disabled account again, through `q` (the admin's transaction). Its revoked grants
   * stay revoked: the person signs in again. Undefined when there is no such account.
   */
  async enableAccount(username: string, q: Queryable = this.db): Promise<Account | undefined> {
    const rows = await q.query(`UPDATE account SET disabled = false WHERE station_id = $1 AND username = $2 RETURNING *`, [this.stationId, username]);
    return rows[0] && accountOf(rows[0]);
  }

  /**
   * The active (not disabled) admin accounts, their rows locked until `q`'s transaction ends
   * (FOR UPDATE, in id order so two transactions lock them in the same order and never deadlock).
   * Two admins disabling each other at once: the second waits for the first, then finds the row
   * the first disabled no longer matches (PostgreSQL re-checks a locked row's new version), and
   * sees one active admin left.
   */
  async lockActiveAdmins(q: Queryable): Promise<Account[]> {
    const rows = await q.query(
      `SELECT * FROM account WHERE station_id = $1 AND kind = 'staff' AND 'admin' = ANY(roles) AND NOT disabled ORDER BY id FOR UPDATE`,
      [this.stationId],
    );
    return rows.map(accountOf);
  }

  async recordSuccess(accountId: string): Promise<void> {
    await this.db.query(`UPDATE account SET failed_logins = 0, locked_until = NULL WHERE station_id = $1 AND id = $2`, [this.stationId, accountId]);
  }

  // ------------------------------------------------------------------ clients

  async client(clientId: string): Promise<Client | undefined> {
    const rows = await this.db.query(`SELECT * FROM oauth_client WHERE station_id = $1 AND client_id = $2`, [this.stationId, clientId]);
    return rows[0] && clientOf(rows[0]);
  }

  async upsertClient(c: Client, createdBy: string): Promise<void> {
    await this.db.query(
      `INSERT INTO oauth_client (station_id, client_id, name, auth_method, secret_hash, redirect_uris, grant_types, scope, jwks, jwks_uri, created_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
       ON CONFLICT (station_id, client_id) DO UPDATE SET name = excluded.name, auth_method = excluded.auth_method,
         secret_hash = excluded.secret_hash, redirect_uris = excluded.redirect_uris, grant_types = excluded.grant_types,
         scope = excluded.scope, jwks = excluded.jwks, jwks_uri = excluded.jwks_uri`,
      [
        this.stationId,
        c.clientId,
        c.name,
        c.authMethod,
        c.secretHash,
        c.redirectUris,
        c.grantTypes,
        c.scope,
        c.jwks ? JSON.stringify(c.jwks) : null,
        c.jwksUri,
        createdBy,
      ],
    );
  }

  // ------------------------------------------------------------------ grants

  async createGrant(g: Omit<Grant, 'id' | 'revokedAt' | 'createdAt'>): Promise<Grant> {
    const id = randomUUID();
    await this.db.query(`INSERT INTO oauth_grant (station_id, id, client_id, account_id, patient_id, scope) VALUES ($1, $2, $3, $4, $5, $6)`, [
      this.stationId,
      id,
      g.clientId,
      g.accountId,
      g.patientId,
      g.scope,
    ]);
    return { ...g, id, revokedAt: null, createdAt: new Date() };
  }

  /**
   * A grant for an account as it is now, in one statement: only while the account is active (not
   * disabled; a resident's with a password, which withdrawing consent clears), and bound to the
   * Patient the account is bound to at that moment — or, for `dependantId`, to that dependant while
   * the account is still their carer (a live carer row). The account row (and the carer row) is
   * locked (FOR SHARE), so a withdrawal, an ended link or a merge changing it at the same time
   * either waits for this grant — and then revokes or moves it — or is seen by it. Undefined when
   * the account is no longer active or no longer the dependant's carer.
   */
  async createAccountGrant(g: { clientId: string; accountId: string; scope: string; dependantId?: string }): Promise<Grant | undefined> {
    const carer = g.dependantId === undefined ? '' : 'JOIN carer c ON c.station_id = a.station_id AND c.account_id = a.id AND c.patient_id = $6';
    const rows = await this.db.query<any>(
      `INSERT INTO oauth_grant (station_id, id, client_id, account_id, patient_id, scope)
       SELECT a.station_id, $3, $4, a.id, ${g.dependantId === undefined ? 'a.patient_id' : 'c.patient_id'}, $5 FROM account a ${carer}
        WHERE a.station_id = $1 AND a.id = $2 AND NOT a.disabled AND (a.kind <> 'resident' OR a.password_hash IS NOT NULL)
        FOR SHARE
       RETURNING *`,
      [this.stationId, g.accountId, randomUUID(), g.clientId, g.scope, ...(g.dependantId === undefined ? [] : [g.dependantId])],
    );
    return rows[0] && grantOf(rows[0]);
  }

  async grant(id: string): Promise<Grant | undefined> {
    const rows = await this.db.query<any>(`SELECT * FROM oauth_grant WHERE station_id = $1 AND id = $2`, [this.stationId, id], 'auth_grant');
    return rows[0] && grantOf(rows[0]);
  }

  /**
   * A grant that exists and is not revoked, with the Patient it is bound to now (what every
   * authenticated request asks); undefined when it is revoked or unknown.
   */
  async liveGrant(id: string): Promise<{ patientId: string | null } | undefined> {
    const seen = this.liveGrants.live(id);
    if (seen) return seen;
    const grant = await this.grant(id);
    if (!grant || grant.revokedAt) return undefined;
    this.liveGrants.remember(id, Date.now(), grant.patientId);
    return { patientId: grant.patientId };
  }

  async revokeGrant(id: string): Promise<void> {
    this.liveGrants.forget(id);
    await this.db.query(`UPDATE oauth_grant SET revoked_at = now() WHERE station_id = $1 AND id = $2 AND revoked_at IS NULL`, [this.stationId, id]);
  }

  /**
   * Consent withdrawn: the resident's password and any pending activation code stop working, so
   * no new launch starts until staff enrol them again (a new Consent and activation code).
   */
  async clearResidentCredentials(patientId: string, q: Queryable = this.db): Promise<void> {
    await q.query(
      `UPDATE account SET password_hash = NULL, activation_hash = NULL, activation_expires = NULL WHERE station_id = $1 AND patient_id = $2`,
      [this.stationId, patientId],
    );
  }

  /**
   * Revokes every grant in a patient's context (consent withdrawn): their app tokens stop at once —
   * and every grant of their own account, so a carer who withdraws stops opening their dependants'
   * records too. Through `q` when it is a Consent write's transaction (AuthService.followConsent).
   * The grants are forgotten by this process at once, before the commit: a request looking one up
   * meanwhile still finds it live in the database but does not remember it. Returns the ids revoked.
   */
  async revokePatientGrants(patientId: string, q: Queryable = this.db): Promise<string[]> {
    const rows = await q.query<{ id: string }>(
      `UPDATE oauth_grant g SET revoked_at = now()
        WHERE g.station_id = $1 AND g.revoked_at IS NULL
          AND (g.patient_id = $2 OR g.account_id IN (SELECT a.id FROM account a WHERE a.station_id = $1 AND a.patient_id = $2))
       RETURNING g.id`,
      [this.stationId, patientId],
    );
    rows.forEach((r) => this.liveGrants.forget(r.id));
    return rows.map((r) => r.id);
  }

  /**
   * Patient `retired` was merged into `surviving` (Patient/$merge): the resident accounts, the
   * live grants and the carers bound to it are bound to the kept Patient, so the resident's app, its refresh tokens
   * and their next sign-in follow the record. Run through `q`, the merge's own transaction, when
   * the merge and this store share the database (they do: src/main.ts opens one), so both are
   * stored or neither. Accounts first: a grant being made for one of them at the same time holds
   * its account row (createAccountGrant), so it is made before and moved here, or made after with
   * the kept Patient. A revoked grant is left as it was (it gives nothing any more).
   * This process looks the moved grants up again on their next use (callers evict them again
   * once the transaction has committed: `forgetGrantPatients`).
   */
  async followMerge(retired: string, surviving: string, q: Queryable = this.db): Promise<MergeFollowed> {
    const accounts = await q.query<{ id: string }>(
      `UPDATE account SET patient_id = $3 WHERE station_id = $1 AND patient_id = $2 RETURNING id`,
      [this.stationId, retired, surviving],
    );
    const grants = await q.query<{ id: string }>(
      `UPDATE oauth_grant SET patient_id = $3 WHERE station_id = $1 AND patient_id = $2 AND revoked_at IS NULL RETURNING id`,
      [this.stationId, retired, surviving],
    );
    // A carer of the retired record cares for the kept one; one already linked to both keeps one link.
    await q.query(
      `WITH moved AS (
         DELETE FROM carer c WHERE c.station_id = $1 AND c.patient_id = $2
         RETURNING c.account_id, c.related_person_id, c.created_at)
       INSERT INTO carer (station_id, account_id, patient_id, related_person_id, created_at)
       SELECT $1, m.account_id, $3, m.related_person_id, m.created_at FROM moved m
       ON CONFLICT (station_id, account_id, patient_id) DO NOTHING`,
      [this.stationId, retired, surviving],
    );
    const moved = { accounts: accounts.map((r) => r.id), grants: grants.map((r) => r.id) };
    this.forgetGrantPatients(moved.grants);
    return moved;
  }

  /** Grants whose Patient changed: this process looks them up again on their next use. */
  forgetGrantPatients(ids: readonly string[]): void {
    ids.forEach((id) => this.liveGrants.evict(id));
  }

  // ------------------------------------------------------------------ carers

  /** Links a carer's account to a dependant; false when it already was (the existing link stays). */
  async linkCarer(link: CarerLink & { accountId: string }, q: Queryable = this.db): Promise<boolean> {
    const rows = await q.query(
      `INSERT INTO carer (station_id, account_id, patient_id, related_person_id) VALUES ($1, $2, $3, $4)
       ON CONFLICT (station_id, account_id, patient_id) DO NOTHING RETURNING 1`,
      [this.stationId, link.accountId, link.patientId, link.relatedPersonId],
    );
    return rows.length > 0;
  }

  /**
   * Ends a carer's link to a dependant and revokes the grants it gave (their tokens for the
   * dependant stop at once). Returns the ended link, undefined when there was none.
   */
  async unlinkCarer(accountId: string, patientId: string, q: Queryable = this.db): Promise<(CarerLink & { revokedGrants: string[] }) | undefined> {
    const rows = await q.query<{ related_person_id: string }>(
      `DELETE FROM carer WHERE station_id = $1 AND account_id = $2 AND patient_id = $3 RETURNING related_person_id`,
      [this.stationId, accountId, patientId],
    );
    if (!rows.length) return undefined;
    const revoked = await q.query<{ id: string }>(
      `UPDATE oauth_grant SET revoked_at = now() WHERE station_id = $1 AND account_id = $2 AND patient_id = $3 AND revoked_at IS NULL RETURNING id`,
      [this.stationId, accountId, patientId],
    );
    revoked.forEach((r) => this.liveGrants.forget(r.id));
    return { patientId, relatedPersonId: rows[0].related_person_id, revokedGrants: revoked.map((r) => r.id) };
  }

  /** The dependants an account is carer of now, oldest link first. */
  async dependants(accountId: string, q: Queryable = this.db): Promise<CarerLink[]> {
    const rows = await q.query<{ patient_id: string; related_person_id: string }>(
      `SELECT patient_id, related_person_id FROM carer WHERE station_id = $1 AND account_id = $2 ORDER BY created_at, patient_id`,
      [this.stationId, accountId],
    );
    return rows.map((r) => ({ patientId: r.patient_id, relatedPersonId: r.related_person_id }));
  }

  /** The account's live link to `patientId`, if it is that Patient's carer. */
  async carerLink(accountId: string, patientId: string): Promise<CarerLink | undefined> {
    return (await this.dependants(accountId)).find((d) => d.patientId === patientId);
  }

  // ------------------------------------------------------------------ codes

  /** `dependantId`: the dependant the person chose at sign-in (undefined: their own record). */
  async saveCode(code: string, c: { clientId: string; accountId: string; dependantId?: string; redirectUri: string; scope: string; codeChallenge: string; expiresAt: Date }): Promise<void> {
    await this.db.query(
      `INSERT INTO oauth_code (station_id, code_hash, client_id, account_id, patient_id, redirect_uri, scope, code_challenge, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
      [this.stationId, hashToken(code), c.clientId, c.accountId, c.dependantId ?? null, c.redirectUri, c.scope, c.codeChallenge, c.expiresAt.toISOString()],
    );
  }

  async code(code: string): Promise<any | undefined> {
    const rows = await this.db.query(`SELECT * FROM oauth_code WHERE station_id = $1 AND code_hash = $2`, [this.stationId, hashToken(code)]);
    return rows[0];
  }

  /** Marks a code used; false when it already was (a replay). */
  async useCode(code: string, grantId: string | null): Promise<boolean> {
    const rows = await this.db.query(
      `UPDATE oauth_code SET used_at = now(), grant_id = COALESCE($3, grant_id) WHERE station_id = $1 AND code_hash = $2 AND used_at IS NULL RETURNING 1`,
      [this.stationId, hashToken(code), grantId],
    );
    return rows.length > 0;
  }

  async setCodeGrant(code: string, grantId: string): Promise<void> {
    await this.db.query(`UPDATE oauth_code SET grant_id = $3 WHERE station_id = $1 AND code_hash = $2`, [this.stationId, hashToken(code), grantId]);
  }

  // ------------------------------------------------------------------ refresh tokens

  async saveRefresh(token: string, grantId: string, expiresAt: Date): Promise<void> {
    await this.db.query(`INSERT INTO oauth_refresh (station_id, token_hash, grant_id, expires_at) VALUES ($1, $2, $3, $4)`, [
      this.stationId,
      hashToken(token),
      grantId,
      expiresAt.toISOString(),
    ]);
  }

  async refresh(token: string): Promise<{ grantId: string; expiresAt: Date; usedAt: Date | null } | undefined> {
    const rows = await this.db.query<any>(`SELECT * FROM oauth_refresh WHERE station_id = $1 AND token_hash = $2`, [this.stationId, hashToken(token)]);
    const r = rows[0];
    return r && { grantId: r.grant_id, expiresAt: new Date(r.expires_at), usedAt: r.used_at ? new Date(r.used_at) : null };
  }

  /** Marks a refresh token used (rotation); false when it already was. */
  async useRefresh(token: string): Promise<boolean> {
    const rows = await this.db.query(`UPDATE oauth_refresh SET used_at = now() WHERE station_id = $1 AND token_hash = $2 AND used_at IS NULL RETURNING 1`, [
      this.stationId,
      hashToken(token),
    ]);
    return rows.length > 0;
  }
}
