// Lag of every vantage point against the bound its TTLs allow (uPlot, canvas): vantage points sorted
// by lag; points above the bound line lag. The table next to it carries the same numbers for screen readers.
import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { VantageLag } from '../api/types.js';

export function LagChart({ vantages }: { vantages: readonly VantageLag[] }) {
  const el = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const host = el.current;
    if (host === null) return;
    const sorted = vantages.filter((v) => v.vantage !== 'authoritative').sort((a, b) => a.max_lag_ms - b.max_lag_ms);
    const xs = sorted.map((_, i) => i + 1);
    const lag = sorted.map((v) => v.max_lag_ms / 1000);
    const bound = sorted.map((v) => v.bound_ms / 1000);
    const plot = new uPlot({
      width: Math.max(320, host.clientWidth),
      height: 220,
      scales: { x: { time: false } },
      axes: [{ label: 'vantage points, by lag', incrs: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000] }, { label: 'seconds' }],
      series: [
        { label: 'vantage' },
        { label: 'lag (s)', stroke: '#b3261e', width: 0, points: { show: true, size: 6, fill: '#b3261e' } },
        { label: 'bound (s)', stroke: '#1d5fa8', width: 1.5, points: { show: false } },
      ],
      legend: { show: true },
    }, [xs, lag, bound], host);
    const onResize = (): void => plot.setSize({ width: Math.max(320, host.clientWidth), height: 220 });
    addEventListener('resize', onResize);
    return () => { removeEventListener('resize', onResize); plot.destroy(); };
  }, [vantages]);
  return <div ref={el} class="lag-chart" aria-hidden="true" />;
}
