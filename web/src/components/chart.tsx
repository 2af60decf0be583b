import 'uplot/dist/uPlot.min.css';
import { useEffect, useRef } from 'react';
import uPlot from 'uplot';

export interface ChartSeries {
  label: string;
  color: string;
  /** [x, y] points; x in the chart's unit (seconds since 1970 for dates, months for ages). */
  points: [number, number][];
  dash?: number[];
  /** Reference lines are drawn without points and left out of the legend's values. */
  reference?: boolean;
}

interface LineChartProps {
  title: string;
  series: ChartSeries[];
  /** What x is ("Ngày", "Tuổi (tháng)"), and how to write a value of it. */
  xName: string;
  xLabel(x: number): string;
  /** True when x is seconds since 1970 (ticks fall on days and months). */
  xIsTime: boolean;
  yUnit: string;
  height?: number;
}

/** Aligns the series on one sorted x axis (uPlot's data shape), with gaps where a series has no value. */
function align(series: ChartSeries[]): uPlot.AlignedData {
  const xs = [...new Set(series.flatMap((s) => s.points.map(([x]) => x)))].sort((a, b) => a - b);
  return [xs, ...series.map((s) => {
    const byX = new Map(s.points);
    return xs.map((x) => byX.get(x) ?? null);
  })] as uPlot.AlignedData;
}

/** A small line chart (uPlot, canvas) that fits its container's width. */
export function LineChart({ title, series, xName, xLabel, xIsTime, yUnit, height = 220 }: LineChartProps) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const plot = new uPlot(
      {
        width: el.clientWidth,
        height,
        series: [
          { label: xName, value: (_u, x) => (x == null ? '' : xLabel(x)) },
          ...series.map((s) => ({ label: s.label, stroke: s.color, width: s.reference ? 1 : 2, dash: s.dash, points: { show: !s.reference, size: 6 }, spanGaps: true })),
        ],
        scales: { x: { time: xIsTime } },
        // Room for a whole dd/mm/yyyy under each tick.
        axes: [{ values: (_u, xs) => xs.map(xLabel), space: 90 }, { label: yUnit }],
        cursor: { drag: { x: false, y: false } },
        legend: { live: true },
      },
      align(series),
      el,
    );
    const resize = new ResizeObserver(() => plot.setSize({ width: el.clientWidth, height }));
    resize.observe(el);
    return () => {
      resize.disconnect();
      plot.destroy();
    };
  }, [series, xName, xLabel, xIsTime, yUnit, height]);
  return (
    <figure className="chart">
      <figcaption>{title}</figcaption>
      <div ref={box} role="img" aria-label={title} />
    </figure>
  );
}
