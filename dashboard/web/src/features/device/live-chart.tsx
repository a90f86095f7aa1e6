import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { formatDate, formatHourMinute, formatNumber, TIME_ZONE, type Lang } from '../../../../../lib/vn/format.js';

export interface ChartPoint {
  ts: number;
  value: number | null;
  /** Spread of a bucket (long windows): drawn as a band behind the mean. */
  min?: number | null;
  max?: number | null;
}

/**
 * A uPlot line of one field over time. The plot is created once per series and fed with `setData` as points
 * arrive, so it grows without re-creating the canvas. Times are drawn in Asia/Ho_Chi_Minh. With `band`, the
 * min–max of each bucket is shaded behind the mean; with `days`, the axis shows dates instead of hours.
 */
export function LiveChart(p: { points: ChartPoint[]; label: string; unit: string | null; lang: Lang; band?: boolean; days?: boolean; window?: string }) {
  const host = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const band = p.band ?? false;
  const days = p.days ?? false;

  useEffect(() => {
    const el = host.current;
    if (!el) return;
    const width = () => Math.max(280, el.clientWidth);
    const stroke = '#1769aa';
    const series: uPlot.Series[] = [{}, { label: p.label, stroke, width: 2, fill: band ? undefined : 'rgba(23,105,170,0.08)', points: { show: !band, size: 4 } }];
    if (band) series.push({ label: 'max', stroke: 'rgba(23,105,170,0.25)', width: 1, points: { show: false } }, { label: 'min', stroke: 'rgba(23,105,170,0.25)', width: 1, points: { show: false } });
    // Axis labels in the app's formats (24-hour, Asia/Ho_Chi_Minh), not uPlot's US defaults.
    const u = new uPlot({
      width: width(),
      height: 260,
      tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), TIME_ZONE),
      legend: { show: false },
      cursor: { drag: { x: false, y: false } },
      scales: { x: { time: true } },
      axes: [
        { stroke: '#5b6472', grid: { stroke: '#eef1f5' }, values: (_u, splits) => splits.map((v) => (days ? formatDate(p.lang, v * 1000).slice(0, 5) : formatHourMinute(p.lang, v * 1000))) },
        { stroke: '#5b6472', grid: { stroke: '#eef1f5' }, label: p.unit ? `${p.label} (${p.unit})` : p.label, size: 60, values: (_u, splits) => splits.map((v) => formatNumber(p.lang, v)) },
      ],
      series,
      bands: band ? [{ series: [2, 3], fill: 'rgba(23,105,170,0.12)' }] : undefined,
    }, band ? [[], [], [], []] : [[], []], el);
    plot.current = u;
    const onResize = () => u.setSize({ width: width(), height: 260 });
    window.addEventListener('resize', onResize);
    return () => {
      window.removeEventListener('resize', onResize);
      u.destroy();
      plot.current = null;
    };
  }, [p.label, p.unit, p.lang, band, days]);

  useEffect(() => {
    const xs = p.points.map((x) => x.ts / 1000);
    const mean = p.points.map((x) => x.value);
    const u = plot.current;
    if (!u) return;
    u.setData(band ? [xs, mean, p.points.map((x) => x.max ?? null), p.points.map((x) => x.min ?? null)] : [xs, mean]);
    // What uPlot holds, not what it was given, and for which window: the browser test reads both (the window
    // attribute changes at render, before this effect has drawn the new window's points).
    host.current?.setAttribute('data-drawn', String(u.data[0].length));
    host.current?.setAttribute('data-drawn-window', p.window ?? '');
  }, [p.points, p.label, p.unit, p.lang, band, days, p.window]);

  return <div class="chart" ref={host} data-testid="live-chart" data-points={p.points.length} data-window={p.window} />;
}
