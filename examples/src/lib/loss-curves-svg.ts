/** The train and val loss of a language model against the step, as a small SVG chart. */

/** One point of the loss curves. */
export interface LossPoint {
  step: number;
  trainLoss: number;
  valLoss: number;
}

/** Options of `lossCurvesSvg`. */
export interface LossCurvesOptions {
  /** The chart's title, before ": loss (nats per character)". */
  title: string;
  /** A reference level drawn as a dashed line (e.g. the bigram baseline), with its label. */
  reference?: { value: number; label: string };
}

/** Train (blue) and val (orange) loss against the step, with an optional dashed reference line. */
export function lossCurvesSvg(curve: readonly LossPoint[], options: LossCurvesOptions): string {
  const w = 480;
  const h = 300;
  const m = { left: 56, right: 16, top: 32, bottom: 40 };
  const reference = options.reference;
  const maxStep = Math.max(1, ...curve.map((p) => p.step));
  const values = [
    ...(reference === undefined ? [] : [reference.value]),
    ...curve.flatMap((p) => [p.trainLoss, p.valLoss]),
  ].filter(Number.isFinite);
  const lo = Math.floor(Math.min(...values, 10) * 10) / 10;
  const hi = Math.ceil(Math.max(...values, lo + 0.5) * 10) / 10 + 0.1;
  const x = (step: number) => m.left + (step / maxStep) * (w - m.left - m.right);
  const y = (v: number) => h - m.bottom - ((v - lo) / (hi - lo)) * (h - m.top - m.bottom);
  const line = (vals: number[], color: string) =>
    `<polyline fill="none" stroke="${color}" stroke-width="2" points="${curve
      .map((p, i) => `${x(p.step).toFixed(1)},${y(vals[i]!).toFixed(1)}`)
      .join(' ')}"/>`;
  const ticks: string[] = [];
  for (let v = lo; v <= hi + 1e-9; v += (hi - lo) / 5) {
    ticks.push(
      `<text x="${m.left - 6}" y="${(y(v) + 4).toFixed(1)}" text-anchor="end" font-size="11">${v.toFixed(2)}</text>` +
        `<line x1="${m.left}" x2="${w - m.right}" y1="${y(v).toFixed(1)}" y2="${y(v).toFixed(1)}" stroke="#eee"/>`,
    );
  }
  const escapeXml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  const referenceLine =
    reference === undefined
      ? ''
      : `<line x1="${m.left}" x2="${w - m.right}" y1="${y(reference.value).toFixed(1)}" y2="${y(reference.value).toFixed(1)}" stroke="#888" stroke-dasharray="5,4"/>\n` +
        `<text x="${w - m.right}" y="${(y(reference.value) - 4).toFixed(1)}" text-anchor="end" font-size="11" fill="#888">${escapeXml(reference.label)}</text>\n`;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" font-family="sans-serif">
<rect width="${w}" height="${h}" fill="white"/>
<text x="${w / 2}" y="20" text-anchor="middle" font-size="14">${escapeXml(options.title)}: loss (nats per character)</text>
${ticks.join('\n')}
${referenceLine}${line(
  curve.map((p) => p.trainLoss),
  '#1f77b4',
)}
${line(
  curve.map((p) => p.valLoss),
  '#ff7f0e',
)}
<text x="${m.left + 8}" y="${m.top + 14}" font-size="11" fill="#1f77b4">train</text>
<text x="${m.left + 50}" y="${m.top + 14}" font-size="11" fill="#ff7f0e">val</text>
<text x="${(m.left + w - m.right) / 2}" y="${h - 8}" text-anchor="middle" font-size="11">step (of ${maxStep})</text>
</svg>
`;
}
