import qrcode from 'qrcode-generator';
import { useMemo } from 'react';

/** A QR code as an SVG drawn from the modules qrcode-generator computes (medium error correction). */
export function QrCode({ text, size = 200, label }: { text: string; size?: number; label: string }) {
  const { count, path } = useMemo(() => {
    const qr = qrcode(0, 'M');
    qr.addData(text);
    qr.make();
    const n = qr.getModuleCount();
    let d = '';
    for (let row = 0; row < n; row++) for (let col = 0; col < n; col++) if (qr.isDark(row, col)) d += `M${col} ${row}h1v1h-1z`;
    return { count: n, path: d };
  }, [text]);
  const margin = 4;
  return (
    <svg role="img" aria-label={label} width={size} height={size} viewBox={`${-margin} ${-margin} ${count + 2 * margin} ${count + 2 * margin}`} shapeRendering="crispEdges" data-qr={text}>
      <rect x={-margin} y={-margin} width={count + 2 * margin} height={count + 2 * margin} fill="#fff" />
      <path d={path} fill="#000" />
    </svg>
  );
}
