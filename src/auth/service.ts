import { randomInt } from 'node:crypto';
import argon2 from 'argon2';
import OAuth2Server from '@node-oauth/oauth2-server';
import type { Consent, Patient, Practitioner, RelatedPerson, Resource } from '@medplum/fhirtypes';
import type { Database, Queryable } from '../db/database';
import type { AccessPolicy } from '../fhir/access';
import type { IssueCode } from '../fhir/outcomes';
import type { MergeFollower } from '../fhir/request';
import type { ConsentFollower } from '../fhir/store/consent-followers';
import type { Repository } from '../fhir/store/repository';
import { readPatient } from '../station/read-patient';
import { authorizationDigest } from './authorization-request';
import { carerInRecord, personalIdOf, type RecordChoice } from './carers';
import { VN_CORE } from '../station/canonical';
import { CARER_ROLES, carerRole, nameText } from '../station/model/carers';
import { personalIdentifier } from '../station/model/person';
import { ClientAssertionVerifier } from './client-assertion';
import { createOAuthModel } from './oauth-model';
import { checkPassword, hashPassword, passwordProblem, type LoginResult } from './passwords';
import { policyFor } from './policy';
import { isRole } from './roles';
import { scopesBeyond } from './scopes';
import { AuthStore, hashToken, randomToken, type Account, type AccountSummary, type Client } from './store';
import { TokenService, type AccessClaims } from './tokens';
import { UnknownUsernames } from './unknown-usernames';

/** Staff sessions (the cookie) last a working day. */
export const SESSION_SECONDS = 8 * 3600;
const ACTIVATION_DAYS = 14;
const STAFF_CLIENT = 'commune-ehr-staff';
/** The policy version residents consent to when enrolled in an app (docs/security.md). */
export const CONSENT_POLICY = 'https://commune-ehr.vn/policy/e-health-app|1.0';

export class AuthError extends Error {
  constructor(
    readonly status: number,
    readonly vi: string,
    readonly en: string,
    /** The OperationOutcome issue code, when the status alone does not say it (a 409 rule). */
    readonly code?: IssueCode,
  ) {
    super(en);
  }
}

export interface AuthServiceOptions {
  db: Database;
  stationId: string;
  /** FHIR base URL: token issuer and the only accepted audience. */
  fhirBaseUrl: string;
  /** Public URL of the token endpoint (audience of client assertions). */
  tokenEndpoint: string;
  tokens: TokenService;
  /** Resource types in the Patient compartment (what patient scopes can reach). */
  compartmentTypes: ReadonlySet<string>;
  /**
   * The server's own repository (unrestricted, unaudited), where residents' Consents are looked
   * up when their apps are given tokens. Without it no resident app is given any.
   */
  records?: Repository;
  /** Absolute lifetime of a refresh token family, in days (REFRESH_FAMILY_DAYS; default 90). */
  refreshFamilyDays?: number;
}

/** A token naming a Patient its grant is no longer bound to: the record was merged into another. */
export class MergedPatientError extends Error {
  readonly vi = 'Hồ sơ của mã truy cập này đã được gộp vào hồ sơ khác: hãy làm mới mã truy cập (refresh token) hoặc đăng nhập lại';
  readonly en = 'The patient record this access token names was merged into another: refresh the access token or sign in again';
  constructor() {
    super('patient record merged');
  }
}

/**
 * Accounts, sessions and the OAuth2 server (SMART App Launch for residents' apps, SMART Backend
 * Services for systems). Protocol work is done by @node-oauth/oauth2-server and jose; this class
 * holds the station's rules: who may sign in, what they are given, how access is revoked.
 */
export class AuthService implements MergeFollower, ConsentFollower {
  readonly store: AuthStore;
  readonly tokens: TokenService;
  readonly oauth: OAuth2Server;
  readonly assertions: ClientAssertionVerifier;
  /** One-time proofs that a token request's client assertion was verified. */
  readonly assertedClients = new Map<string, string>();
  /** Failed sign-ins of usernames without an account, counted like an account's. */
  private readonly unknownUsernames = new UnknownUsernames();

  constructor(private readonly options: AuthServiceOptions) {
    this.store = new AuthStore(options.db, options.stationId);
    this.tokens = options.tokens;
    this.assertions = new ClientAssertionVerifier(this.store, options.tokenEndpoint);
    this.oauth = new OAuth2Server({
      model: createOAuthModel({
        store: this.store,
        tokens: this.tokens,
        assertedClients: this.assertedClients,
        refreshFamilyDays: options.refreshFamilyDays ?? 90,
        consentHolds: (patientId) => this.consentHolds(patientId),
      }) as never,
      authorizationCodeLifetime: 60,
      allowExtendedTokenAttributes: true,
      requireClientAuthentication: { authorization_code: false, refresh_token: false },
      alwaysIssueNewRefreshToken: true,
    });
  }

  get fhirBaseUrl(): string {
    return this.options.fhirBaseUrl;
  }

  /**
   * Accounts and clients from the environment on first start: the station's first admin
   * (STATION_ADMIN_USERNAME / _PASSWORD) and a bootstrap system client (FHIR_BOOTSTRAP_CLIENT_ID /
   * _SECRET, client_secret_basic, `system/*.cruds system/AuditEvent.rs`).
   */
  async bootstrap(env: NodeJS.ProcessEnv, repo: Repository): Promise<void> {
    const { STATION_ADMIN_USERNAME: username, STATION_ADMIN_PASSWORD: password } = env;
    if (username && password && !(await this.store.hasAdmin())) {
      // A refused password stops the start with the variable named: better than an admin anyone can guess.
      await this.createStaff({ username, password, roles: ['admin'], name: username }, repo).catch((err: unknown) => {
        throw err instanceof AuthError ? new Error(`STATION_ADMIN_USERNAME / STATION_ADMIN_PASSWORD: ${err.en}`) : err;
      });
    }
    const { FHIR_BOOTSTRAP_CLIENT_ID: clientId, FHIR_BOOTSTRAP_CLIENT_SECRET: secret } = env;
    if (clientId && secret) {
      await this.store.upsertClient(
        {
          clientId,
          name: 'Bootstrap system client',
          authMethod: 'client_secret_basic',
          secretHash: await argon2.hash(secret),
          redirectUris: [],
          grantTypes: ['client_credentials'],
          scope: 'system/*.cruds system/AuditEvent.rs',
          jwks: null,
          jwksUri: null,
        },
        'environment',
      );
    }
  }

  // ---------------------------------------------------------------- sessions and tokens

  /**
   * Verifies an access token (signature, issuer, audience, expiry), that its grant is live, and
   * that it names the Patient the grant is bound to now: after a merge a resident's token naming
   * the retired record is refused (MergedPatientError) and the app refreshes it (one naming the
   * kept record). The grant is looked up anyway, so this costs no more database work.
   */
  async authenticate(token: string, ip?: string): Promise<{ claims: AccessClaims; policy: AccessPolicy }> {
    const claims = await this.tokens.verifyAccessToken(token);
    const grant = await this.store.liveGrant(claims.grant);
    if (!grant) throw new Error('grant revoked');
    if ((claims.patient ?? null) !== grant.patientId) throw new MergedPatientError();
    return { claims, policy: policyFor(claims, this.options.compartmentTypes, ip) };
  }

  /**
   * Whether the resident of `patientId` still consents to the app: an active Consent of the policy
   * they were enrolled under (any version). Asked when their app is given tokens (a code exchanged,
   * a refresh token used), so a Consent made inactive — by the withdraw endpoint or by a plain
   * update — gives no new ones.
   */
  async consentHolds(patientId: string): Promise<boolean> {
    const repo = this.options.records;
    return repo ? (await this.consentInForce(patientId, repo)) !== undefined : false;
  }

  checkPassword(username: string, password: string, kind?: Account['kind']): Promise<LoginResult> {
    return checkPassword(this.store, this.unknownUsernames, username, password, kind);
  }

  /** A staff session: a grant of the station's own client, and a token for the session cookie. */
  async startSession(account: Account): Promise<string> {
    const scope = 'openid fhirUser user/*.cruds';
    const grant = await this.store.createGrant({ clientId: STAFF_CLIENT, accountId: account.id, patientId: null, scope });
    return this.tokens.issueAccessToken(
      { sub: account.id, client_id: STAFF_CLIENT, scope, grant: grant.id, fhirUser: account.practitionerId ? `Practitioner/${account.practitionerId}` : undefined, roles: account.roles, kind: 'staff' },
      SESSION_SECONDS,
    );
  }

  async endSession(token: string): Promise<void> {
    const claims = await this.tokens.verifyAccessToken(token).catch(() => undefined);
    if (claims) await this.store.revokeGrant(claims.grant);
  }

  /** RFC 7009: revokes the grant behind an access or refresh token (unknown tokens are ignored). */
  async revoke(token: string): Promise<void> {
    const refresh = await this.store.refresh(token);
    if (refresh) return this.store.revokeGrant(refresh.grantId);
    await this.endSession(token);
  }

  /** RFC 7662 introspection. */
  async introspect(token: string): Promise<Record<string, unknown>> {
    try {
      const { claims } = await this.authenticate(token);
      const { sub, scope, client_id, patient, fhirUser, exp } = claims as AccessClaims & { exp: number };
      return { active: true, sub, scope, client_id, patient, fhirUser, exp, token_type: 'Bearer', iss: this.fhirBaseUrl, aud: this.fhirBaseUrl };
    } catch {
      return { active: false };
    }
  }

  // ---------------------------------------------------------------- accounts

  /** A staff account linked to a Practitioner (created here unless one is given). */
  async createStaff(
    input: { username: string; password: string; roles: string[]; name?: string; practitionerId?: string },
    repo: Repository,
  ): Promise<Account> {
    if (!/^[a-z0-9._-]{3,64}$/i.test(input.username)) throw new AuthError(400, 'Tên đăng nhập 3–64 ký tự chữ, số, . _ -', 'Username: 3-64 letters, digits, . _ -');
    const problem = passwordProblem(input.password, input.username);
    if (problem) throw new AuthError(400, problem.split(' / ')[0], problem.split(' / ')[1]);
    if (!input.roles.length || !input.roles.every(isRole)) throw new AuthError(400, 'Vai trò không hợp lệ', 'Roles must be among admin, clinician, registrar, officer, auditor');
    let practitionerId = input.practitionerId;
    if (!practitionerId) {
      const practitioner: Practitioner = { resourceType: 'Practitioner', active: true, name: [{ text: input.name ?? input.username }] };
      practitionerId = (await repo.create(practitioner)).resource.id;
    } else {
      await repo.read('Practitioner', practitionerId);
    }
    const account = await this.store.insertAccount({
      kind: 'staff',
      username: input.username,
      passwordHash: await hashPassword(input.password),
      roles: input.roles,
      practitionerId: practitionerId ?? null,
      patientId: null,
      activationHash: null,
      activationExpires: null,
    });
    if (!account) throw new AuthError(409, 'Tên đăng nhập đã được dùng', 'Username is taken');
    return account;
  }

  /**
   * Enrols a resident for the e-health app: records their Consent (scope, policy version, date),
   * creates (or re-arms) their account and returns a one-time activation code to hand over.
   */
  async enrolResident(patientId: string, username: string, repo: Repository): Promise<{ username: string; activationCode: string; consentId: string; expires: string }> {
    if (!/^[a-z0-9._-]{3,64}$/i.test(username)) throw new AuthError(400, 'Tên đăng nhập 3–64 ký tự chữ, số, . _ -', 'Username: 3-64 letters, digits, . _ -');
    // One transaction: a taken username (409) leaves no Consent behind that the resident never gave.
    return repo.withTransaction(async (tx) => {
      // Two enrolments of one resident at once (two staff, a double tap) would each find no Consent
      // and no account and make two of each: the second waits here for the first to commit, then
      // finds both and re-arms them.
      await tx.onConnection((q) => q.query(`SELECT pg_advisory_xact_lock(hashtext('enrolment'), hashtext($1))`, [`${this.options.stationId}/${patientId}`]));
      await tx.read('Patient', patientId);
      // Enrolling a resident whose consent is in force (a lost code, a new phone) hands over a new
      // code under that Consent: a second one would need withdrawing twice.
      const consentId = (await this.consentInForce(patientId, tx)) ?? (await tx.create(appConsent(patientId))).resource.id!;
      const activationCode = String(randomInt(100_000_000, 1_000_000_000));
      const activationHash = hashToken(activationCode);
      const expires = new Date(Date.now() + ACTIVATION_DAYS * 86_400_000);
      const account = await tx.onConnection(async (q) => {
        const existing = await this.store.accountByPatient(patientId, q);
        if (existing) {
          await this.store.setActivation(existing.id, activationHash, expires, q);
          return existing;
        }
        const kind = 'resident' as const;
        return this.store.insertAccount({ kind, username, passwordHash: null, roles: [], practitionerId: null, patientId, activationHash, activationExpires: expires }, q);
      });
      if (!account) throw new AuthError(409, 'Tên đăng nhập đã được dùng', 'Username is taken');
      return { username: account.username, activationCode, consentId, expires: expires.toISOString() };
    });
  }

  /** The id of the resident's active Consent to the app (the app's policy, any version), if any. */
  private async consentInForce(patientId: string, repo: Repository): Promise<string | undefined> {
    const found = await repo.search(repo.parseSearch('Consent', [['patient', `Patient/${patientId}`], ['status', 'active']]));
    return found.resources.find((c) => appConsentPatient(c) === patientId)?.id;
  }

  /** The resident sets their password with the activation code (once); returns their account. */
  async activate(username: string, code: string, password: string): Promise<Account> {
    const account = await this.store.accountByUsername(username);
    const valid = account?.kind === 'resident' && account.activationHash === hashToken(code) && account.activationExpires! > new Date();
    if (!valid) throw new AuthError(400, 'Mã kích hoạt không đúng hoặc đã hết hạn', 'Activation code is wrong or expired');
    const problem = passwordProblem(password, username);
    if (problem) throw new AuthError(400, problem.split(' / ')[0], problem.split(' / ')[1]);
    await this.store.setPassword(account!.id, await hashPassword(password));
    return account!;
  }

  /**
   * Consent withdrawn: the Consent becomes inactive, every token of the resident's apps stops at
   * once, and no app is authorized again until a new enrolment (revoking the grants alone left the
   * password working: the resident, or whoever had it, just launched again).
   */
  async withdrawConsent(patientId: string, repo: Repository): Promise<number> {
    // One transaction: a Consent that cannot be set inactive (a write refused, a conflict) leaves the
    // password, the grants and every Consent as they were — the resident is told to try again, not
    // left with a withdrawal half done that the record does not show.
    return repo.withTransaction(async (tx) => {
      // Credentials and grants first, so the answer counts the grants revoked; setting the Consents
      // inactive would revoke them too (followConsent), and finds none left.
      const revoked = await tx.onConnection(async (q) => {
        await this.store.clearResidentCredentials(patientId, q);
        return this.store.revokePatientGrants(patientId, q);
      });
      const consents = await tx.search(tx.parseSearch('Consent', [['patient', `Patient/${patientId}`], ['status', 'active']]));
      for (const consent of consents.resources) await tx.update('Consent', consent.id!, { ...consent, status: 'inactive' } as Consent);
      return revoked.length;
    });
  }

  // ---------------------------------------------------------------- carers

  /**
   * Links an enrolled resident (the carer) to a dependant — a parent to their young child — so the
   * carer's app may open the dependant's record (docs/security.md "Carers"). In one transaction: a
   * RelatedPerson standing for the carer in the dependant's record (the station's carer profile),
   * the dependant's Consent to the app, given by the carer, unless one is in force, and the link.
   * Linking a pair again keeps the link and its RelatedPerson (giving it the carer's CCCD if it had
   * none) and records a Consent if none is in force: the way back after the dependant's consent was
   * withdrawn.
   */
  async linkDependant(
    carerPatientId: string,
    dependantId: string,
    relationship: string,
    repo: Repository,
  ): Promise<{ relatedPerson: string; consentId: string; created: boolean }> {
    if (!Object.hasOwn(CARER_ROLES, relationship)) {
      const codes = Object.keys(CARER_ROLES).join(', ');
      throw new AuthError(400, `Quan hệ với người được chăm sóc phải là một trong: ${codes}`, `relationship must be one of ${codes} (v3 RoleCode)`);
    }
    if (carerPatientId === dependantId) throw new AuthError(400, 'Một người không thể là người chăm sóc của chính mình', 'A resident cannot be their own carer');
    return repo.withTransaction(async (tx) => {
      // Two staff linking the same pair at once would make two RelatedPersons: the second waits here.
      await tx.onConnection((q) => q.query(`SELECT pg_advisory_xact_lock(hashtext('carer'), hashtext($1))`, [`${this.options.stationId}/${carerPatientId}/${dependantId}`]));
      const carer = (await tx.read('Patient', carerPatientId)) as Patient;
      await tx.read('Patient', dependantId);
      const account = await tx.onConnection((q) => this.store.accountByPatient(carerPatientId, q));
      if (!account) {
        throw new AuthError(409, 'Người chăm sóc chưa đăng ký ứng dụng sổ sức khỏe: hãy đăng ký cho họ trước', 'The carer is not enrolled for the e-health app: enrol them first', 'business-rule');
      }
      const existing = (await tx.onConnection((q) => this.store.dependants(account.id, q))).find((d) => d.patientId === dependantId);
      if (existing) await this.addCarerId(tx, existing.relatedPersonId, carer);
      const relatedPerson = existing?.relatedPersonId ?? (await tx.create(carerInRecord(carer, dependantId, relationship))).resource.id!;
      const consentId = (await this.consentInForce(dependantId, tx)) ?? (await tx.create(appConsent(dependantId, `RelatedPerson/${relatedPerson}`))).resource.id!;
      if (!existing) {
        await tx.onConnection((q) => this.store.linkCarer({ accountId: account.id, patientId: dependantId, relatedPersonId: relatedPerson }, q));
        await tx.auditChange({
          interaction: 'operation',
          outcome: '0',
          outcomeDesc: `carer linked: account ${account.id} may open Patient/${dependantId} as RelatedPerson/${relatedPerson} (${relationship})`,
          entities: [`Patient/${dependantId}`, `RelatedPerson/${relatedPerson}`],
          patients: [carerPatientId, dependantId],
        });
      }
      return { relatedPerson, consentId, created: !existing };
    });
  }

  /**
   * Gives a RelatedPerson written before carers carried their CCCD (or before the carer had one)
   * the carer's CCCD, by which the A2.1 register finds her record; one already there stays.
   */
  private async addCarerId(tx: Repository, relatedPersonId: string, carer: Patient): Promise<void> {
    const cccd = personalIdOf(carer);
    const related = (await tx.read('RelatedPerson', relatedPersonId)) as RelatedPerson;
    if (!cccd || related.identifier?.some((i) => i.system === VN_CORE.nationalId)) return;
    await tx.update('RelatedPerson', relatedPersonId, { ...related, identifier: [...(related.identifier ?? []), personalIdentifier(cccd)] });
  }

  /**
   * The dependants a resident is carer of, for staff (the enrolment page): each with the
   * relationship, name and birth date, read through `repo` (so audited as the staff member's reads).
   * A resident without an app account cares for nobody: an empty list.
   */
  async dependantsOf(carerPatientId: string, repo: Repository): Promise<DependantSummary[]> {
    const account = await this.store.accountByPatient(carerPatientId);
    const links = account ? await this.store.dependants(account.id) : [];
    return Promise.all(
      links.map(async (l) => {
        const [patient, related] = await Promise.all([
          readPatient(repo, l.patientId),
          repo.read('RelatedPerson', l.relatedPersonId) as Promise<RelatedPerson>,
        ]);
        return { dependant: `Patient/${l.patientId}`, relatedPerson: `RelatedPerson/${l.relatedPersonId}`, relationship: carerRole(related), name: nameText(patient?.name?.[0]), birthDate: patient?.birthDate };
      }),
    );
  }

  /**
   * Ends a carer's link: their app's tokens for the dependant stop at once and no new ones are given;
   * the RelatedPerson that stood for them in the dependant's record is kept, inactive. The
   * dependant's Consent stays (another carer may hold it); withdrawing it stops every carer.
   */
  async unlinkDependant(carerPatientId: string, dependantId: string, repo: Repository): Promise<{ revokedGrants: number }> {
    return repo.withTransaction(async (tx) => {
      const ended = await tx.onConnection(async (q) => {
        const account = await this.store.accountByPatient(carerPatientId, q);
        return account && this.store.unlinkCarer(account.id, dependantId, q);
      });
      if (!ended) throw new AuthError(404, 'Người này không phải người chăm sóc của người được chọn', 'No such carer link');
      const related = (await tx.read('RelatedPerson', ended.relatedPersonId).catch(() => undefined)) as RelatedPerson | undefined;
      if (related && related.active !== false) await tx.update('RelatedPerson', related.id!, { ...related, active: false });
      await tx.auditChange({
        interaction: 'operation',
        outcome: '0',
        outcomeDesc: `carer link ended: Patient/${carerPatientId} no longer opens Patient/${dependantId}; ${ended.revokedGrants.length} live grants revoked`,
        entities: [`Patient/${dependantId}`, `RelatedPerson/${ended.relatedPersonId}`],
        patients: [carerPatientId, dependantId],
      });
      return { revokedGrants: ended.revokedGrants.length };
    });
  }

  /** A sign-in ticket for the authorize page's next step, bound to this authorization request (tokens.ts). */
  signInTicket(account: Account, params: Record<string, string>): Promise<string> {
    return this.tokens.issueSignInTicket(account.id, authorizationDigest(params), SIGN_IN_TICKET_SECONDS);
  }

  /** The account a sign-in ticket stands for, while it may still sign in; undefined for a bad or expired ticket. */
  async accountOfSignInTicket(ticket: string, params: Record<string, string>): Promise<Account | undefined> {
    const id = await this.tokens.verifySignInTicket(ticket, authorizationDigest(params)).catch(() => undefined);
    const account = id === undefined ? undefined : await this.store.accountById(id);
    return account && !account.disabled && account.kind === 'resident' && account.passwordHash ? account : undefined;
  }

  /**
   * Whose record a signed-in resident may open, for the authorize page: none when they care for
   * nobody (their own record, without asking); else their own first, then each dependant's.
   */
  async recordChoices(account: Account): Promise<RecordChoice[]> {
    const links = account.kind === 'resident' && account.patientId ? await this.store.dependants(account.id) : [];
    if (!links.length || !this.options.records) return [];
    const records = this.options.records;
    const ids = [account.patientId!, ...links.map((l) => l.patientId)];
    const patients = await Promise.all(ids.map((id) => records.read('Patient', id).catch(() => undefined) as Promise<Patient | undefined>));
    return patients.flatMap((p, i) => (p ? [{ patientId: ids[i], name: nameText(p.name?.[0]) ?? ids[i], birthDate: p.birthDate, own: i === 0 }] : []));
  }

  /**
   * A Consent was written or deleted through the FHIR API (engine.consentFollowers): when it was
   * a resident's consent to the app, in force (active, the app's policy), and no longer is — set
   * inactive, rejected or entered-in-error, its policy changed, or deleted — every live
   * grant of that resident's apps is revoked in the write's transaction (`tx`), so their current
   * access tokens stop at once, as by the withdraw endpoint. Only the change from in force to not
   * revokes: editing a Consent that stays in force, or one that already was not, leaves the grants
   * of a later enrolment alone. The password is left as it is (the withdraw endpoint clears it):
   * no token is given while no Consent is in force (consentHolds).
   */
  async followConsent(tx: Queryable, before: Resource | undefined, after: Resource | undefined): Promise<{ audit?: string; patients?: string[] }> {
    const patientId = appConsentPatient(before);
    // Still in force for the same Patient: nothing to stop. Moved to another Patient (an edit
    // naming someone else), the first one's consent is no longer in force: their grants stop. A
    // merge moves the retired record's grants to the kept one before it repoints the Consent
    // (followMerge), so this then finds none left to revoke.
    if (patientId === undefined || appConsentPatient(after) === patientId) return {};
    const revoked = await this.store.revokePatientGrants(patientId, tx);
    if (!revoked.length) return {};
    const change = !after ? 'deleted' : appConsentPatient(after) ? 'moved to another Patient' : after.resourceType === 'Consent' ? (after as Consent).status : 'replaced';
    return {
      audit: `app access revoked: Consent/${before!.id} no longer in force (${change}); ${revoked.length} live grants of Patient/${patientId}`,
      patients: [patientId],
    };
  }

  /** The station's accounts for an admin (AuthStore.accountList), the reading audited as theirs. */
  async listAccounts(repo: Repository): Promise<AccountSummary[]> {
    const accounts = await this.store.accountList();
    await repo.audit({ interaction: 'operation', outcome: '0', outcomeDesc: `account list read: ${accounts.length} accounts`, entities: [], patients: [] });
    return accounts;
  }

  /**
   * An admin (`actorId`, their account id) disables an account (a staff member who left, a
   * resident's app account): it signs in no more, and every live grant it holds — a staff session,
   * a resident's apps — is revoked in the same transaction, so their current tokens stop at once.
   * Audited in it as the admin's change, naming the account (by username and id) and its
   * Practitioner or Patient. Refused (409, nothing written) for the admin's own account and for
   * the last active admin's, so the station is never left without one: the active admins' rows
   * are locked first (lockActiveAdmins), so two admins disabling each other at once cannot both
   * pass the check.
   */
  async disableAccount(username: string, actorId: string, repo: Repository): Promise<{ username: string; kind: Account['kind']; disabled: true; revokedGrants: number }> {
    return repo.withTransaction(async (tx) => {
      const { account, grants } = await tx.onConnection(async (q) => {
        const target = await this.store.accountByUsername(username, q);
        if (!target) throw new AuthError(404, 'Không có tài khoản này', 'No such account');
        if (target.id === actorId) {
          throw new AuthError(409, 'Không được tự vô hiệu hóa tài khoản của chính mình', 'An admin may not disable their own account', 'business-rule');
        }
        const admins = await this.store.lockActiveAdmins(q);
        if (admins.length === 1 && admins[0].id === target.id) {
          throw new AuthError(
            409,
            'Không được vô hiệu hóa tài khoản quản trị cuối cùng còn hoạt động',
            'The last active admin account may not be disabled',
            'business-rule',
          );
        }
        // Found above in this transaction, and accounts are never deleted.
        return (await this.store.disableAccount(username, q))!;
      });
      await tx.auditChange({
        interaction: 'operation',
        outcome: '0',
        outcomeDesc: `account disabled: ${account.username} (${account.kind}, account ${account.id}); ${grants.length} live grants revoked`,
        entities: account.practitionerId ? [`Practitioner/${account.practitionerId}`] : [],
        patients: account.patientId ? [account.patientId] : [],
      });
      return { username: account.username, kind: account.kind, disabled: true as const, revokedGrants: grants.length };
    });
  }

  /**
   * An admin enables a disabled account again, audited in the same transaction. Nothing it had is
   * given back: its grants stay revoked and the person signs in again. A resident still needs what
   * every sign-in and token needs (a password, which withdrawing consent clears, and a Consent in
   * force: oauth-model.ts's mayHaveTokens), so enabling a withdrawn resident's account gives their
   * app nothing until they are enrolled again.
   */
  async enableAccount(username: string, repo: Repository): Promise<{ username: string; kind: Account['kind']; disabled: false }> {
    return repo.withTransaction(async (tx) => {
      const account = await tx.onConnection((q) => this.store.enableAccount(username, q));
      if (!account) throw new AuthError(404, 'Không có tài khoản này', 'No such account');
      await tx.auditChange({
        interaction: 'operation',
        outcome: '0',
        outcomeDesc: `account enabled: ${account.username} (${account.kind}, account ${account.id})`,
        entities: account.practitionerId ? [`Practitioner/${account.practitionerId}`] : [],
        patients: account.patientId ? [account.patientId] : [],
      });
      return { username: account.username, kind: account.kind, disabled: false as const };
    });
  }

  /**
   * Patient/$merge retired `retired` into `surviving`: the resident's app account and its live
   * grants are bound to the kept record, in the merge's transaction (`tx`: this service and the
   * FHIR engine share one database, src/main.ts). Their Consent moves with the records (it is in
   * the Patient compartment). Tokens naming the retired record are then refused (authenticate) and
   * refreshing gives ones naming the kept record. The audit line names the accounts by id only.
   */
  async followMerge(tx: Queryable, retired: string, surviving: string): Promise<{ audit?: string; afterCommit?: () => void }> {
    const moved = await this.store.followMerge(retired, surviving, tx);
    if (!moved.accounts.length && !moved.grants.length) return {};
    return {
      audit: `app account follows merge: Patient/${retired} → Patient/${surviving} (accounts ${moved.accounts.join(', ') || 'none'}; ${moved.grants.length} live grants)`,
      // A request that looked a moved grant up while the merge ran may have remembered the old Patient.
      afterCommit: () => this.store.forgetGrantPatients(moved.grants),
    };
  }

  // ---------------------------------------------------------------- clients

  /**
   * RFC 7591 dynamic registration: public apps (PKCE) and asymmetric backend clients. Admin staff
   * register any client; a system client only backend clients with scopes it holds itself, so a
   * token limited to `system/Organization.rs` cannot mint `system/*.cruds`.
   */
  async registerClient(metadata: Record<string, unknown>, registrant: AccessClaims): Promise<Record<string, unknown>> {
    const method = ((metadata.token_endpoint_auth_method as string) ?? 'none') as Client['authMethod'];
    const redirectUris = (metadata.redirect_uris as string[] | undefined) ?? [];
    const scope = typeof metadata.scope === 'string' ? metadata.scope : '';
    const invalid = (en: string): never => {
      throw new AuthError(400, 'Thông tin đăng ký ứng dụng không hợp lệ', en);
    };
    if (method !== 'none' && method !== 'private_key_jwt') invalid('token_endpoint_auth_method must be none or private_key_jwt');
    if (!scope) invalid('scope is required');
    if (method === 'none' && (!redirectUris.length || !redirectUris.every(isHttpsOrLoopback))) {
      invalid('redirect_uris: at least one https (or loopback http) URI');
    }
    if (method === 'private_key_jwt' && !metadata.jwks && !metadata.jwks_uri) invalid('jwks or jwks_uri is required for private_key_jwt');
    // The server fetches a jwks_uri when the client signs in: never from the station's own network
    // in clear (a cloud's metadata address, a database's admin page), only over https (or loopback).
    if (metadata.jwks_uri !== undefined && !isHttpsOrLoopback(metadata.jwks_uri)) invalid('jwks_uri: an https (or loopback http) URL');
    if (metadata.jwks !== undefined && !Array.isArray((metadata.jwks as { keys?: unknown } | null)?.keys)) invalid('jwks: a JWK Set, {"keys": [...]}');
    if (registrant.kind === 'system') this.checkSystemRegistration(method, scope, registrant.scope);
    const client: Client = {
      clientId: `app-${randomToken(12)}`,
      name: typeof metadata.client_name === 'string' ? metadata.client_name : 'unnamed',
      authMethod: method,
      secretHash: null,
      redirectUris,
      grantTypes: method === 'none' ? ['authorization_code', 'refresh_token'] : ['client_credentials'],
      scope,
      jwks: (metadata.jwks as Client['jwks']) ?? null,
      jwksUri: (metadata.jwks_uri as string) ?? null,
    };
    await this.store.upsertClient(client, registrant.sub);
    return {
      client_id: client.clientId,
      client_id_issued_at: Math.floor(Date.now() / 1000),
      client_name: client.name,
      token_endpoint_auth_method: method,
      grant_types: client.grantTypes,
      redirect_uris: redirectUris,
      scope,
      ...(client.jwks ? { jwks: client.jwks } : {}),
      ...(client.jwksUri ? { jwks_uri: client.jwksUri } : {}),
    };
  }

  /**
   * A system client registers backends only, within its own scopes. Public apps are what residents
   * sign in to with their password (redirect URIs that receive their codes): a backend must not be
   * able to put an app that looks first-party in front of them, so only admin staff register those.
   */
  private checkSystemRegistration(method: Client['authMethod'], scope: string, held: string): void {
    if (method === 'none') {
      throw new AuthError(403, 'Chỉ quản trị viên mới được đăng ký ứng dụng cho người dân', 'Only admin staff may register apps for residents');
    }
    const beyond = scopesBeyond(scope, held);
    if (beyond.length) {
      throw new AuthError(403, `Không được đăng ký quyền vượt quá quyền của chính mình: ${beyond.join(' ')}`, `A client may not register scopes beyond its own: ${beyond.join(' ')}`);
    }
  }
}

/** A dependant as staff see it on the carer's enrolment page. */
export interface DependantSummary {
  dependant: string;
  relatedPerson: string;
  /** CARER_ROLES code. */
  relationship?: string;
  name?: string;
  birthDate?: string;
}

/** How long a carer has to choose whose record the app opens, after their password was checked. */
const SIGN_IN_TICKET_SECONDS = 600;

/**
 * The Consent staff record when they enrol a resident for the app; for a dependant, given by their
 * carer (`performer`: the RelatedPerson standing for the carer in the dependant's record).
 */
function appConsent(patientId: string, performer?: string): Consent {
  return {
    resourceType: 'Consent',
    status: 'active',
    scope: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/consentscope', code: 'patient-privacy' }] },
    category: [{ coding: [{ system: 'http://loinc.org', code: '59284-0', display: 'Patient Consent' }] }],
    patient: { reference: `Patient/${patientId}` },
    dateTime: new Date().toISOString(),
    performer: performer ? [{ reference: performer }] : undefined,
    policy: [{ uri: CONSENT_POLICY }],
    provision: { type: 'permit', purpose: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ActReason', code: 'PATRQT' }] },
  };
}

/** The Patient whose consent to the app `resource` is while in force (active, the app's policy); else undefined. */
function appConsentPatient(resource: Resource | undefined): string | undefined {
  if (resource?.resourceType !== 'Consent' || resource.status !== 'active') return undefined;
  const policy = CONSENT_POLICY.split('|')[0];
  if (!resource.policy?.some((p) => p.uri?.split('|')[0] === policy)) return undefined;
  return /(?:^|\/)Patient\/([A-Za-z0-9\-.]{1,64})(?:\/_history\/[^/]+)?$/.exec(resource.patient?.reference ?? '')?.[1];
}

/** An https URL, or http on the loopback (a developer's machine, tests): where clients may point us. */
function isHttpsOrLoopback(value: unknown): boolean {
  if (typeof value !== 'string' || !URL.canParse(value)) return false;
  const url = new URL(value);
  return url.protocol === 'https:' || (url.protocol === 'http:' && ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname));
}
