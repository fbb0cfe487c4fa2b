/** A small line chart written as SVG, for the loss and accuracy curves of a training run. */
export interface Series {
  name: string;
  values: number[];
  color: string;
}

interface Panel {
  title: string;
  series: Series[];
  yLabel: string;
  /** Where the legend goes: away from where the curves end (top for falling curves, bottom for rising). */
  legend: 'top' | 'bottom';
}

const W = 420;
const H = 280;
const M = { left: 56, right: 16, top: 32, bottom: 40 };

function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (hi <= lo) hi = lo + 1;
  const raw = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? raw;
  const ticks: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + 1e-12; v += step) ticks.push(Number(v.toPrecision(12)));
  return ticks;
}

function panel(p: Panel, x0: number): string {
  const all = p.series.flatMap((s) => s.values).filter(Number.isFinite);
  let lo = Math.min(...all);
  let hi = Math.max(...all);
  if (!Number.isFinite(lo)) {
    lo = 0;
    hi = 1;
  }
  const pad = (hi - lo) * 0.08 || 0.5;
  lo -= pad;
  hi += pad;
  const n = Math.max(...p.series.map((s) => s.values.length), 1);
  const px = (i: number) => x0 + M.left + (n === 1 ? 0.5 : i / (n - 1)) * (W - M.left - M.right);
  const py = (v: number) => M.top + (1 - (v - lo) / (hi - lo)) * (H - M.top - M.bottom);
  const parts: string[] = [];
  parts.push(
    `<text x="${x0 + W / 2}" y="20" text-anchor="middle" font-size="14" font-weight="bold">${escapeXml(p.title)}</text>`,
  );
  for (const t of niceTicks(lo, hi)) {
    const y = py(t).toFixed(1);
    parts.push(`<line x1="${x0 + M.left}" x2="${x0 + W - M.right}" y1="${y}" y2="${y}" stroke="#e5e5e5"/>`);
    parts.push(
      `<text x="${x0 + M.left - 6}" y="${y}" text-anchor="end" dominant-baseline="middle" font-size="11">${t}</text>`,
    );
  }
  for (let i = 0; i < n; i++) {
    parts.push(
      `<text x="${px(i).toFixed(1)}" y="${H - M.bottom + 16}" text-anchor="middle" font-size="11">${i + 1}</text>`,
    );
  }
  parts.push(
    `<text x="${x0 + (W + M.left) / 2}" y="${H - 6}" text-anchor="middle" font-size="12">epoch</text>`,
  );
  parts.push(
    `<text transform="translate(${x0 + 14},${H / 2}) rotate(-90)" text-anchor="middle" font-size="12">${escapeXml(p.yLabel)}</text>`,
  );
  parts.push(
    `<rect x="${x0 + M.left}" y="${M.top}" width="${W - M.left - M.right}" height="${H - M.top - M.bottom}" fill="none" stroke="#999"/>`,
  );
  p.series.forEach((s, k) => {
    const pts = s.values.map((v, i) => `${px(i).toFixed(1)},${py(v).toFixed(1)}`).join(' ');
    parts.push(`<polyline points="${pts}" fill="none" stroke="${s.color}" stroke-width="2"/>`);
    for (const [i, v] of s.values.entries()) {
      parts.push(`<circle cx="${px(i).toFixed(1)}" cy="${py(v).toFixed(1)}" r="3" fill="${s.color}"/>`);
    }
    const ly = p.legend === 'top' ? M.top + 14 + k * 16 : H - M.bottom - 14 - (p.series.length - 1 - k) * 16;
    parts.push(
      `<line x1="${x0 + W - 150}" x2="${x0 + W - 130}" y1="${ly}" y2="${ly}" stroke="${s.color}" stroke-width="2"/>`,
    );
    parts.push(
      `<text x="${x0 + W - 125}" y="${ly}" dominant-baseline="middle" font-size="11">${escapeXml(s.name)}</text>`,
    );
  });
  return parts.join('\n');
}

/** Two side-by-side panels: losses and test accuracy per epoch. */
export function trainingCurvesSvg(trainLoss: number[], testLoss: number[], testAccuracy: number[]): string {
  const left = panel(
    {
      title: 'Loss',
      yLabel: 'cross-entropy',
      legend: 'top',
      series: [
        { name: 'train', values: trainLoss, color: '#1f77b4' },
        { name: 'test', values: testLoss, color: '#ff7f0e' },
      ],
    },
    0,
  );
  const right = panel(
    {
      title: 'Test accuracy',
      yLabel: 'accuracy (%)',
      legend: 'bottom',
      series: [{ name: 'test', values: testAccuracy.map((a) => a * 100), color: '#2ca02c' }],
    },
    W,
  );
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${2 * W}" height="${H}" viewBox="0 0 ${2 * W} ${H}" font-family="sans-serif">
<rect width="100%" height="100%" fill="white"/>
${left}
${right}
</svg>
`;
}
