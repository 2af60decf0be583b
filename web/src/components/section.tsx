import type { ReactNode } from 'react';
import type { Section } from '../resident/record';

/** Renders a record section, or why it cannot be shown. */
export function SectionView<T>({ section, children }: { section: Section<T> | undefined; children(data: T): ReactNode }) {
  if (!section) return <p className="muted">Đang tải…</p>;
  if (section.state === 'forbidden') return <p className="muted">Vai trò của bạn không được xem mục này.</p>;
  if (section.state === 'failed') return <p className="error">Không tải được: {section.message}</p>;
  return <>{children(section.data)}</>;
}
