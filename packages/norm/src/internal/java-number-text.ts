import type { BigDec } from '@datomkit/datom-core';

/**
 * The text Java's `Double.toString` gives for `v`, which is what hasch hashes for a double.
 * JS and Java agree on the digits (both print the shortest decimal that reads back to the same
 * double; Java since JDK 19) but not on the layout: Java always keeps one digit after the point
 * (`1.0`) and switches to `1.0E10` / `1.0E-4` outside `[1e-3, 1e7)`.
 */
export function javaDoubleToString(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Number.POSITIVE_INFINITY) return 'Infinity';
  if (v === Number.NEGATIVE_INFINITY) return '-Infinity';
  if (v === 0) return Object.is(v, -0) ? '-0.0' : '0.0';
  const sign = v < 0 ? '-' : '';
  const abs = Math.abs(v);
  const [mantissa = '', expText = '0'] = abs.toExponential().split('e');
  let digits = mantissa.replace('.', '');
  let exp = Number(expText);
  if (digits.length === 1) [digits, exp] = closestTwoDigits(abs, exp);
  digits = digits.replace(/(?<=.)0+$/, '');
  if (abs >= 1e-3 && abs < 1e7) {
    if (exp >= 0) {
      const int = digits.slice(0, exp + 1).padEnd(exp + 1, '0');
      const frac = digits.slice(exp + 1);
      return `${sign}${int}.${frac === '' ? '0' : frac}`;
    }
    return `${sign}0.${'0'.repeat(-exp - 1)}${digits}`;
  }
  const frac = digits.slice(1);
  return `${sign}${digits[0]}.${frac === '' ? '0' : frac}E${exp}`;
}

// Java never prints a single significant digit: where the shortest decimal has one digit, it
// takes the two-digit decimal that still reads back to `abs` and lies closest to it (ties to
// even). That is how Double.MIN_VALUE prints as 4.9E-324 rather than 5.0E-324.
function closestTwoDigits(abs: number, exp: number): [string, number] {
  // `abs` exactly enough to rank candidates: 40 significant digits, as digits * 10^exactExp.
  const [m = '', e = '0'] = abs.toExponential(39).split('e');
  const exactDigits = BigInt(m.replace('.', ''));
  const exactExp = Number(e) - 39;
  const found: { c: number; at: number }[] = [];
  for (const at of [exp - 2, exp - 1]) {
    for (let c = 10; c <= 99; c++) if (Number(`${c}e${at}`) === abs) found.push({ c, at });
  }
  if (found.length === 0) return [`${abs.toExponential().charAt(0)}0`, exp];
  // Compare distances at one common scale, the finest exponent involved.
  const scale = Math.min(exactExp, ...found.map((f) => f.at));
  const exact = exactDigits * 10n ** BigInt(exactExp - scale);
  const dist = (f: { c: number; at: number }) => {
    const d = BigInt(f.c) * 10n ** BigInt(f.at - scale) - exact;
    return d < 0n ? -d : d;
  };
  let best = found[0] as { c: number; at: number };
  for (const f of found) {
    const a = dist(f);
    const b = dist(best);
    if (a < b || (a === b && f.c % 2 === 0 && best.c % 2 !== 0)) best = f;
  }
  // c * 10^at is c/10 * 10^(at+1): both digits around the point.
  return [String(best.c), best.at + 1];
}

/**
 * The text Java's `BigDecimal.toString` gives (scientific notation when the scale is negative or
 * the adjusted exponent is below -6), which is what hasch hashes for an EDN `M` number.
 */
export function javaBigDecimalToString(d: BigDec): string {
  const neg = d.unscaled < 0n;
  const coeff = (neg ? -d.unscaled : d.unscaled).toString();
  const sign = neg ? '-' : '';
  const adjusted = -d.scale + (coeff.length - 1);
  if (d.scale >= 0 && adjusted >= -6) {
    if (d.scale === 0) return sign + coeff;
    if (coeff.length > d.scale) {
      const cut = coeff.length - d.scale;
      return `${sign}${coeff.slice(0, cut)}.${coeff.slice(cut)}`;
    }
    return `${sign}0.${'0'.repeat(d.scale - coeff.length)}${coeff}`;
  }
  const mant = coeff.length > 1 ? `${coeff[0]}.${coeff.slice(1)}` : coeff;
  return `${sign}${mant}E${adjusted >= 0 ? '+' : '-'}${Math.abs(adjusted)}`;
}
