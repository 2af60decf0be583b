import type { Resource } from '@medplum/fhirtypes';
import { compare } from 'fast-json-patch';
import { OperationOutcomeError, bilingual, outcome } from '../outcomes';
import type { Derivation } from './derivation';

/**
 * What a Subscription delivers, and where, is fixed when it is created. Notifications are sent with
 * the reading rights of the client that created it (src/subscriptions/registry.ts, its owner), so
 * an update that pointed `channel.endpoint` elsewhere, or widened `criteria`, would send what that
 * client may read to whoever made the change. Such an update is refused (422); the writer creates a
 * Subscription of their own. Status, end, reason and error stay writable (turning one off, the
 * dispatcher's own status). A write check in the update's transaction (it needs the version it
 * replaces), through the engine's derivation hook: it derives nothing.
 */
/** Compared as JSON values (as an unchanged update is, repository.ts): stored objects may be built differently from a client's. */
const changesDelivery = (resource: Resource, previous: Resource | undefined): boolean =>
  resource.resourceType === 'Subscription' &&
  previous?.resourceType === 'Subscription' &&
  compare({ criteria: previous.criteria, channel: previous.channel }, { criteria: resource.criteria, channel: resource.channel }).length > 0;

export const fixedSubscriptionDelivery: Derivation = {
  appliesTo: (resource, previous) => changesDelivery(resource, previous),
  derive: async () => {
    throw new OperationOutcomeError(
      outcome(
        'error',
        'business-rule',
        bilingual(
          'Không sửa được tiêu chí hay kênh nhận (criteria, channel) của một đăng ký nhận thông báo: hãy tạo đăng ký mới',
          'The criteria and channel of a Subscription are fixed when it is created: create a new Subscription instead',
        ),
        ['Subscription.channel', 'Subscription.criteria'],
      ),
      422,
    );
  },
  retract: async () => undefined,
};
