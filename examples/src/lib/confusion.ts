/** A confusion matrix: rows are true classes, columns predicted classes. */
export function confusionMatrix(
  predicted: ArrayLike<number>,
  actual: ArrayLike<number>,
  classes: number,
): number[][] {
  const m = Array.from({ length: classes }, () => new Array<number>(classes).fill(0));
  for (let i = 0; i < actual.length; i++) m[actual[i]!]![predicted[i]!]! += 1;
  return m;
}

/** Accuracy of each class (the diagonal over the row sums). */
export function perClassAccuracy(matrix: number[][]): number[] {
  return matrix.map((row, i) => {
    const total = row.reduce((a, b) => a + b, 0);
    return total === 0 ? 0 : row[i]! / total;
  });
}

/** The matrix as an aligned text table with per-class accuracy in the last column. */
export function formatConfusion(matrix: number[][], labels: readonly string[]): string {
  const acc = perClassAccuracy(matrix);
  const width = Math.max(5, ...matrix.flat().map((v) => String(v).length + 1));
  const head = `${'true\\pred'.padEnd(10)}${labels.map((l) => l.padStart(width)).join('')}   accuracy`;
  const rows = matrix.map(
    (row, i) =>
      `${labels[i]!.padEnd(10)}${row.map((v) => String(v).padStart(width)).join('')}   ${(acc[i]! * 100).toFixed(2)} %`,
  );
  return [head, ...rows].join('\n');
}
