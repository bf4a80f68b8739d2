// Small charts in plain SVG (no chart library: a few hundred bytes each). Each chart is an
// image with a summary for screen readers, and each bar or point has a tooltip title.

import { niceMax } from '../../earnings/format';

const W = 640;
const H = 180;
const PAD = { l: 36, r: 8, t: 10, b: 24 };

export interface Bar {
  label: string;
  value: number;
  title: string;
}

/** Bars with a y axis from 0 to a round maximum; `every` labels every n-th bar. */
export function BarChart({ bars, summary, every = 1, testid }: { bars: Bar[]; summary: string; every?: number; testid?: string }) {
  const max = niceMax(Math.max(0, ...bars.map((b) => b.value)));
  const iw = W - PAD.l - PAD.r;
  const ih = H - PAD.t - PAD.b;
  const step = iw / Math.max(1, bars.length);
  const bw = Math.max(2, step * 0.7);
  return (
    <svg class="tp-chart" viewBox={`0 0 ${W} ${H}`} role="img" aria-label={summary} data-testid={testid} preserveAspectRatio="none">
      {[0, 0.5, 1].map((f) => {
        const y = PAD.t + ih * (1 - f);
        return (
          <g key={f}>
            <line x1={PAD.l} x2={W - PAD.r} y1={y} y2={y} class="chart-grid" />
            <text x={PAD.l - 4} y={y + 4} class="chart-axis" text-anchor="end">
              {Math.round(max * f)}
            </text>
          </g>
        );
      })}
      {bars.map((b, i) => {
        const h = (ih * b.value) / max;
        const x = PAD.l + i * step + (step - bw) / 2;
        return (
          <g key={i}>
            <rect x={x} y={PAD.t + ih - h} width={bw} height={h} class="chart-bar" data-value={b.value}>
              <title>{b.title}</title>
            </rect>
            {i % every === 0 && (
              <text x={x + bw / 2} y={H - 6} class="chart-axis" text-anchor="middle">
                {b.label}
              </text>
            )}
          </g>
        );
      })}
    </svg>
  );
}

export interface Series {
  name: string;
  /** 0–1, or null where there is no figure. */
  values: (number | null)[];
  dashed?: boolean;
}

/** Lines of shares (0–100%) over the same steps; gaps where a figure is missing. */
export function LineChart({ series, labels, summary, every = 1, testid }: { series: Series[]; labels: string[]; summary: string; every?: number; testid?: string }) {
  const iw = W - PAD.l - PAD.r;
  const ih = H - PAD.t - PAD.b;
  const n = Math.max(1, labels.length - 1);
  const x = (i: number) => PAD.l + (iw * i) / n;
  const y = (v: number) => PAD.t + ih * (1 - Math.max(0, Math.min(1, v)));
  return (
    <figure class="tp-chart-figure">
      <svg class="tp-chart" viewBox={`0 0 ${W} ${H}`} role="img" aria-label={summary} data-testid={testid} preserveAspectRatio="none">
        {[0, 0.5, 1].map((f) => (
          <g key={f}>
            <line x1={PAD.l} x2={W - PAD.r} y1={y(f)} y2={y(f)} class="chart-grid" />
            <text x={PAD.l - 4} y={y(f) + 4} class="chart-axis" text-anchor="end">
              {Math.round(f * 100)}%
            </text>
          </g>
        ))}
        {labels.map((l, i) =>
          i % every === 0 ? (
            <text key={i} x={x(i)} y={H - 6} class="chart-axis" text-anchor="middle">
              {l}
            </text>
          ) : null,
        )}
        {series.map((s, si) => {
          const segs: string[] = [];
          let cur = '';
          s.values.forEach((v, i) => {
            if (v === null) {
              if (cur) segs.push(cur);
              cur = '';
            } else cur += `${cur ? 'L' : 'M'}${x(i).toFixed(1)},${y(v).toFixed(1)}`;
          });
          if (cur) segs.push(cur);
          return (
            <g key={si} class={'chart-line line-' + si}>
              {segs.map((d, k) => (
                <path key={k} d={d} fill="none" stroke-dasharray={s.dashed ? '6 4' : undefined} />
              ))}
              {s.values.map((v, i) =>
                v === null ? null : (
                  <circle key={i} cx={x(i)} cy={y(v)} r={3}>
                    <title>{`${labels[i]} ${s.name} ${Math.round(v * 100)}%`}</title>
                  </circle>
                ),
              )}
            </g>
          );
        })}
      </svg>
      <figcaption class="tp-chart-legend">
        {series.map((s, si) => (
          <span key={si} class={'tp-legend line-' + si}>
            <svg width="28" height="10" aria-hidden="true">
              <line x1="0" x2="28" y1="5" y2="5" stroke-dasharray={s.dashed ? '6 4' : undefined} />
            </svg>
            {s.name}
          </span>
        ))}
      </figcaption>
    </figure>
  );
}
