/**
 * Scalar special functions for the elementwise kernels: erf, erfc and erfinv to about 1 ulp in
 * float64. The Chebyshev coefficients were fitted for this project by
 * packages/core/test/reference/make_erf_coefficients.py (mpmath, 50 digits), which also checks them.
 */

/** erf(x)/x as a Chebyshev series in s = 2x² − 1, for |x| ≤ 1. */
// biome-ignore format: coefficient table
const ERF_SMALL = [
  0.9754769393826541, -0.14226120510371365, 0.010035582187599796, -0.0005768764699767485,
  2.741993125219606e-5, -1.1043175507344507e-6, 3.8488755420345036e-8, -1.1808582533875466e-9,
  3.2334215826050907e-11, -7.991015947004483e-13, 1.799072511348477e-14, -3.718635162421382e-16,
  7.101507363020076e-18,
];

/** e^{x²}·erfc(x) as a Chebyshev series over x ∈ [1, 2.5]. */
// biome-ignore format: coefficient table
const ERFCX_MID = [
  0.3017138902444292, -0.10574990110152695, 0.017104848474406763, -0.002587682261135065,
  0.0003696145268036729, -5.0198560605167956e-5, 6.517935170561901e-6, -8.126449775613485e-7,
  9.763690285483578e-8, -1.133813656364367e-8, 1.2757869239497698e-9, -1.3939984728303207e-10,
  1.4818660272094163e-11, -1.535083855929383e-12, 1.5518968060618384e-13, -1.5330737574030452e-14,
  1.4816184781678304e-15, -1.402286502259275e-16, 1.3009170665632648e-17, -1.1749179704724222e-18,
];

/** e^{x²}·erfc(x) as a Chebyshev series over x ∈ [2.5, 6]. */
// biome-ignore format: coefficient table
const ERFCX_TAIL = [
  0.14016047004976134, -0.05677604943259737, 0.011209463278240392, -0.0021611166170954787,
  0.00040747765264847823, -7.523771561693374e-5, 1.3620051895515644e-5, -2.4198114237545286e-6,
  4.223228134648387e-7, -7.246499552340511e-8, 1.223372886245904e-8, -2.0334473033647613e-9,
  3.329826004203619e-10, -5.374937749488635e-11, 8.55692534783074e-12, -1.3442073415953858e-12,
  2.0845649563886506e-13, -3.192625432490355e-14, 4.830969505813416e-15, -7.224931105883063e-16,
  1.0682973938970666e-16, -1.5616429527672313e-17, 2.21440856523856e-18,
];

/** Σ c_j T_j(s) by Clenshaw's recurrence. */
function chebyshev(c: readonly number[], s: number): number {
  let b1 = 0;
  let b2 = 0;
  const s2 = 2 * s;
  for (let j = c.length - 1; j > 0; j--) {
    const b = s2 * b1 - b2 + c[j]!;
    b2 = b1;
    b1 = b;
  }
  return s * b1 - b2 + c[0]!;
}

/** erfc(a) for a ≥ 1 (0 past 27, where it underflows). */
function erfcLarge(a: number): number {
  if (a >= 27) return 0;
  const scaled =
    a < 2.5
      ? chebyshev(ERFCX_MID, (2 * a - 3.5) / 1.5)
      : a < 6
        ? chebyshev(ERFCX_TAIL, (2 * a - 8.5) / 3.5)
        : 0;
  // Past 6 the continued fraction's first terms give e^{x²}·erfc(x) to double precision.
  const s = a >= 6 ? asymptoticErfcx(a) : scaled;
  return s * Math.exp(-a * a);
}

/** e^{x²}·erfc(x) for x ≥ 6 from the continued fraction 1/√π · 1/(x + ½/(x + 1/(x + 3/2/(x + …)))). */
function asymptoticErfcx(x: number): number {
  let f = x;
  for (let n = 12; n >= 1; n--) f = x + n / 2 / f;
  return 1 / (Math.sqrt(Math.PI) * f);
}

/** The error function 2/√π ∫₀ˣ e^{−t²} dt. */
export function erf(x: number): number {
  const a = Math.abs(x);
  if (a <= 1) return x * chebyshev(ERF_SMALL, 2 * x * x - 1);
  if (a >= 6) return x > 0 ? 1 : x < 0 ? -1 : x; // NaN stays NaN; erfc(6) < 2⁻⁵⁵
  const r = 1 - erfcLarge(a);
  return x > 0 ? r : -r;
}

/** The complementary error function 1 − erf(x), accurate where it is tiny. */
export function erfc(x: number): number {
  if (Math.abs(x) <= 1) return 1 - erf(x);
  if (Number.isNaN(x)) return x;
  return x > 0 ? erfcLarge(x) : 2 - erfcLarge(-x);
}

const TWO_OVER_SQRT_PI = 2 / Math.sqrt(Math.PI);

/** The inverse of erf on [−1, 1] (±∞ at ±1, NaN outside). */
export function erfinv(y: number): number {
  if (!(y > -1 && y < 1)) {
    if (y === 1) return Number.POSITIVE_INFINITY;
    if (y === -1) return Number.NEGATIVE_INFINITY;
    return Number.NaN;
  }
  if (y === 0) return y;
  const a = Math.abs(y);
  // Winitzki's closed-form guess (relative error below 2e-3), then Halley steps on erf(x) = a,
  // whose residual is taken as (1 − a) − erfc(x) near 1 so the tail keeps its digits.
  const l = Math.log((1 - a) * (1 + a));
  const k = 2 / (Math.PI * 0.147) + l / 2;
  let x = Math.sqrt(Math.sqrt(k * k - l / 0.147) - k);
  const tail = a > 0.5;
  const rest = 1 - a;
  for (let i = 0; i < 3; i++) {
    const f = tail ? rest - erfc(x) : erf(x) - a;
    const dx = f / (TWO_OVER_SQRT_PI * Math.exp(-x * x));
    // Halley: erf'' / erf' = −2x.
    x -= dx / (1 + x * dx);
  }
  return y > 0 ? x : -x;
}
