import type { Subscription } from '@medplum/fhirtypes';
import { OperationOutcomeError } from '../fhir/outcomes';
import type { Repository } from '../fhir/store/repository';
import { TM_EXT } from '../telemedicine/canonical';

/**
 * Keeps the Subscription resource telling the truth about delivery: `status` (active / error),
 * `error` (the last failure, R4's string) and the number of consecutive failed attempts (our
 * extension subscription-error-count, which R4 lacks). Written only when something changed, as the
 * server (not audited as a person's write), guarded by the version read: a client's concurrent
 * change wins and the dispatcher looks again on its next round.
 */
export interface DeliveryStatus {
  status: 'active' | 'error' | 'off';
  error?: string;
  errorCount?: number;
}

export async function setSubscriptionStatus(repo: Repository, current: Subscription, next: DeliveryStatus): Promise<void> {
  const others = (current.extension ?? []).filter((e) => e.url !== TM_EXT.subscriptionErrorCount);
  const count = next.errorCount ?? 0;
  const updated: Subscription = {
    ...current,
    status: next.status,
    error: next.error,
    extension: count ? [...others, { url: TM_EXT.subscriptionErrorCount, valueUnsignedInt: count }] : others.length ? others : undefined,
  };
  const before = current.extension?.find((e) => e.url === TM_EXT.subscriptionErrorCount)?.valueUnsignedInt ?? 0;
  if (current.status === updated.status && current.error === updated.error && before === count) return;
  if (updated.error === undefined) delete updated.error;
  if (updated.extension === undefined) delete updated.extension;
  try {
    await repo.update('Subscription', current.id!, updated, { ifMatch: Number(current.meta?.versionId) });
  } catch (err) {
    if (!(err instanceof OperationOutcomeError) || (err.status !== 409 && err.status !== 412)) throw err;
  }
}
