import { useEffect, useSyncExternalStore } from 'react';
import { outbox, startOutbox, type PendingSave } from './outbox';

export function useOutbox(): PendingSave[] {
  return useSyncExternalStore(outbox.subscribe, outbox.list);
}

/** In the header: how many saves are waiting for the connection, with "try now". */
export function OutboxStatus() {
  useEffect(() => startOutbox(), []);
  const pending = useOutbox().filter((s) => s.state !== 'saved');
  if (!pending.length) return null;
  const refused = pending.filter((s) => s.state === 'refused').length;
  return (
    <div className="outbox" role="status">
      <span>
        {pending.length} mục đang chờ lưu{refused ? ` (${refused} bị từ chối)` : ''}
      </span>
      <button type="button" className="link" onClick={() => outbox.resume()}>
        Thử lại ngay
      </button>
    </div>
  );
}
