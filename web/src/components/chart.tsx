/**
 * A bar chart of `{timestamp, value}` points (what `/chart` and `/api/usage` answer), drawn by
 * uPlot on a canvas that follows its container's width. Screen readers get a text summary.
 */
import uPlot from 'uplot';
import { useEffect, useMemo, useRef } from 'preact/hooks';
import type { ChartPoint } from '../api-types.ts';
import { formatCount } from '../format.ts';

/** The bars' colour; the browser tests look for it on the canvas. */
export const BAR_COLOR = '#e8590c';

function columns(points: ChartPoint[]): uPlot.AlignedData {
  return [points.map((p) => Date.parse(p.timestamp) / 1000), points.map((p) => p.value)];
}

function summary(label: string, points: ChartPoint[]): string {
  const values = points.map((p) => p.value).filter((v): v is number => v !== null);
  if (values.length === 0) return `${label}: no data`;
  const total = values.reduce((a, b) => a + b, 0);
  return `${label}: ${points.length} buckets, total ${formatCount(total)}, highest ${formatCount(Math.max(...values))}`;
}

/** Axis labels in UTC and on a 24-hour clock, as the rest of the dashboard shows times. */
const utc = (seconds: number) => uPlot.tzDate(new Date(seconds * 1000), 'Etc/UTC');
const clock24 = (template: string) =>
  uPlot.fmtDate(template.replace('{h}{aa}', '{HH}:00').replace(/\{h\}/g, '{HH}').replace(/\{aa\}/g, ''));

function options(width: number, height: number, label: string): uPlot.Options {
  const axis = { stroke: '#57534e', grid: { stroke: '#e7e5e4', width: 1 }, ticks: { stroke: '#d6d3d1', width: 1 } };
  return {
    width,
    height,
    tzDate: utc,
    fmtDate: clock24,
    legend: { show: false },
    cursor: { y: false, points: { show: false } },
    scales: { x: { time: true } },
    axes: [axis, { ...axis, size: 56 }],
    series: [
      {},
      {
        label,
        stroke: BAR_COLOR,
        fill: BAR_COLOR,
        width: 0,
        paths: uPlot.paths.bars!({ size: [0.8, 48] }),
        points: { show: false },
      },
    ],
  };
}

export function BarChart({ points, label, height = 180 }: { points: ChartPoint[]; label: string; height?: number }) {
  const holder = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const data = useMemo(() => columns(points), [points]);

  useEffect(() => {
    const element = holder.current!;
    const chart = new uPlot(options(Math.max(element.clientWidth, 200), height, label), data, element);
    plot.current = chart;
    const observer = new ResizeObserver(() => {
      if (element.clientWidth > 0 && element.clientWidth !== chart.width) chart.setSize({ width: element.clientWidth, height });
    });
    observer.observe(element);
    return () => {
      observer.disconnect();
      chart.destroy();
      plot.current = null;
    };
    // Built once per label and height; new points go through setData below.
  }, [label, height]);

  useEffect(() => {
    plot.current?.setData(data);
  }, [data]);

  return <div class="chart" ref={holder} role="img" aria-label={summary(label, points)} />;
}
