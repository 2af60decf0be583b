import type { AuditEvent, Subscription } from '@medplum/fhirtypes';
import type { Database } from '../db/database';
import type { AccessPolicy } from '../fhir/access';
import type { Repository } from '../fhir/store/repository';
import { findAll, findOne } from '../telemedicine/lookup';
import { parseCriteria, type Criteria } from './criteria';
import { setSubscriptionStatus } from './status';

/**
 * The rest-hook Subscriptions the dispatcher serves, each with what delivering needs: its
 * criteria, the system client that created it (its scopes decide what it may be sent), and the
 * write sequence from which changes concern it. A subscription the station cannot serve is put in
 * status `error` with the reason in Subscription.error; a `requested` one that can be served
 * becomes `active` (R4: the server activates subscriptions).
 */

export type PayloadContent = 'empty' | 'id-only' | 'full-resource';

export interface ServedSubscription {
  id: string;
  resource: Subscription;
  criteria: Criteria;
  /** The subscriber's own limits (SMART v2 scope constraints), as criteria every notified version must meet. */
  ownerLimits?: Criteria;
  owner: AccessPolicy;
  /** When it was created (epoch ms): changes stamped from then on concern it. */
  createdAt: number;
  endpoint: string;
  headers: [string, string][];
  payload: PayloadContent;
  contentType: string;
}

/** Resolves the policy of the system client that created a subscription (its registered scopes). */
export type OwnerResolver = (clientId: string) => Promise<AccessPolicy | undefined>;

/** The media types a notification body (JSON) may be sent as: FHIR's or plain JSON, with parameters such as fhirVersion. */
const JSON_TYPE = /^application\/(fhir\+)?json\s*(;.*)?$/i;

const PAYLOAD_CONTENT = 'http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition/backport-payload-content';

interface Fixed {
  /** The system client that created the subscription (undefined: someone else did). */
  clientId?: string;
  createdAt: number;
}

export class SubscriptionRegistry {
  /** What never changes for a subscription: who created it and when. */
  private readonly fixed = new Map<string, Fixed>();

  constructor(
    private readonly db: Database,
    private readonly repo: Repository,
    private readonly resolveOwner: OwnerResolver,
  ) {}

  /** The subscriptions to serve now (activating requested ones, flagging unservable ones). */
  async load(): Promise<ServedSubscription[]> {
    const subscriptions = await findAll<Subscription>(this.repo, 'Subscription', [
      ['status', 'requested,active,error'],
      ['type', 'rest-hook'],
    ]);
    const served: ServedSubscription[] = [];
    for (const subscription of subscriptions) {
      // R4 Subscription.end: "the time for the server to turn the subscription off".
      if (subscription.end && Date.parse(subscription.end) <= Date.now()) {
        await setSubscriptionStatus(this.repo, subscription, { status: 'off' });
        continue;
      }
      const result = await this.serve(subscription);
      if ('problem' in result) {
        await setSubscriptionStatus(this.repo, subscription, { status: 'error', error: `${result.problem.vi} / ${result.problem.en}` });
        continue;
      }
      if (subscription.status === 'requested') await setSubscriptionStatus(this.repo, subscription, { status: 'active' });
      served.push(result);
    }
    return served;
  }

  private async serve(subscription: Subscription): Promise<ServedSubscription | { problem: { vi: string; en: string } }> {
    const id = subscription.id!;
    const criteria = parseCriteria(subscription.criteria, this.repo.ctx.defs.resourceTypes);
    if ('problem' in criteria) return criteria;
    const endpoint = subscription.channel.endpoint ?? '';
    if (!/^https?:\/\/[^\s]+$/.test(endpoint)) return { problem: { vi: `Địa chỉ nhận (channel.endpoint) phải là URL http(s): "${endpoint}"`, en: `channel.endpoint must be an http(s) URL` } };
    const { clientId, createdAt } = await this.fixedOf(id);
    // The client's scopes are read every round: a client removed or narrowed stops receiving at once.
    const owner = clientId ? await this.resolveOwner(clientId) : undefined;
    if (!owner) return { problem: { vi: 'Chỉ ứng dụng hệ thống (system client) mới được đăng ký nhận thông báo', en: 'Only a system client may subscribe to notifications' } };
    if (!owner.allows(criteria.resourceType, 'r')) {
      return { problem: { vi: `Ứng dụng đăng ký không có quyền đọc ${criteria.resourceType}`, en: `The subscribing client may not read ${criteria.resourceType}` } };
    }
    const { payload, contentType } = payloadOf(subscription);
    // We write notifications in JSON only; labelling them with another asked-for type (R4 allows
    // application/fhir+xml) would hand the platform a body it cannot parse as what it was told.
    if (!JSON_TYPE.test(contentType)) {
      return { problem: { vi: `Thông báo chỉ gửi dạng application/fhir+json, không gửi được "${contentType}"`, en: `Notifications are sent as application/fhir+json only, not ${contentType}` } };
    }
    const limits = owner.constraints(criteria.resourceType, 'r');
    const ownerLimits = limits.length ? parseCriteria(`${criteria.resourceType}?${new URLSearchParams(limits)}`, this.repo.ctx.defs.resourceTypes) : undefined;
    if (ownerLimits && 'problem' in ownerLimits) return ownerLimits;
    return { id, resource: subscription, criteria, ownerLimits, owner, createdAt, endpoint, headers: parseHeaders(subscription.channel.header), payload, contentType };
  }

  /** The creator (from the AuditEvent of the create) and the creation time, once per subscription. */
  private async fixedOf(id: string): Promise<Fixed> {
    const known = this.fixed.get(id);
    if (known) return known;
    const created = await findOne<AuditEvent>(this.repo, 'AuditEvent', [
      ['entity', `Subscription/${id}`],
      ['action', 'C'],
    ]);
    const who = created?.agent?.[0]?.who?.reference;
    const rows = await this.db.query<{ created: Date }>(
      `SELECT min(last_updated) AS created FROM resource_history WHERE station_id = $1 AND resource_type = 'Subscription' AND id = $2`,
      [this.repo.ctx.stationId, id],
    );
    const fixed = { clientId: who?.startsWith('Device/') ? who.slice('Device/'.length) : undefined, createdAt: new Date(rows[0]?.created ?? 0).getTime() };
    this.fixed.set(id, fixed);
    return fixed;
  }
}

/** R4 channel.header: "Name: value" strings, sent with every notification. */
function parseHeaders(headers: string[] | undefined): [string, string][] {
  return (headers ?? []).flatMap((h) => {
    const colon = h.indexOf(':');
    return colon > 0 ? [[h.slice(0, colon).trim(), h.slice(colon + 1).trim()] as [string, string]] : [];
  });
}

/**
 * What a notification carries (Subscriptions R5 Backport IG on R4): `channel.payload` absent →
 * empty; present → full resources, unless its backport-payload-content extension says otherwise.
 */
function payloadOf(subscription: Subscription): { payload: PayloadContent; contentType: string } {
  const payload = subscription.channel.payload;
  if (!payload) return { payload: 'empty', contentType: 'application/fhir+json' };
  const content = (subscription.channel as { _payload?: { extension?: { url: string; valueCode?: string }[] } })._payload?.extension?.find((e) => e.url === PAYLOAD_CONTENT)?.valueCode;
  const chosen: PayloadContent = content === 'empty' || content === 'id-only' ? content : 'full-resource';
  return { payload: chosen, contentType: payload };
}
