import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { formatHourMinute, formatNumber, TIME_ZONE, type Lang } from '../../../../../lib/vn/format.js';

export interface ChartPoint {
  ts: number;
  value: number;
}

/**
 * A uPlot line of one field over time. The plot is created once per series and fed with `setData` as points
 * arrive, so it grows without re-creating the canvas. Times are drawn in Asia/Ho_Chi_Minh.
 */
export function LiveChart(p: { points: ChartPoint[]; label: string; unit: string | null; lang: Lang }) {
  const host = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);

  useEffect(() => {
    const el = host.current;
    if (!el) return;
    const width = () => Math.max(280, el.clientWidth);
    // Axis labels in the app's formats (24-hour, Asia/Ho_Chi_Minh), not uPlot's US defaults.
    const u = new uPlot({
      width: width(),
      height: 260,
      tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), TIME_ZONE),
      legend: { show: false },
      cursor: { drag: { x: false, y: false } },
      scales: { x: { time: true } },
      axes: [
        { stroke: '#5b6472', grid: { stroke: '#eef1f5' }, values: (_u, splits) => splits.map((v) => formatHourMinute(p.lang, v * 1000)) },
        { stroke: '#5b6472', grid: { stroke: '#eef1f5' }, label: p.unit ? `${p.label} (${p.unit})` : p.label, size: 60, values: (_u, splits) => splits.map((v) => formatNumber(p.lang, v)) },
      ],
      series: [{}, { label: p.label, stroke: '#1769aa', width: 2, fill: 'rgba(23,105,170,0.08)', points: { show: true, size: 4 } }],
    }, [[], []], el);
    plot.current = u;
    const onResize = () => u.setSize({ width: width(), height: 260 });
    window.addEventListener('resize', onResize);
    return () => {
      window.removeEventListener('resize', onResize);
      u.destroy();
      plot.current = null;
    };
  }, [p.label, p.unit, p.lang]);

  useEffect(() => {
    plot.current?.setData([p.points.map((x) => x.ts / 1000), p.points.map((x) => x.value)]);
  }, [p.points, p.label, p.unit, p.lang]);

  return <div class="chart" ref={host} data-testid="live-chart" data-points={p.points.length} />;
}
