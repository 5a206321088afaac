/**
 * A double in fixed notation with `precision` decimals, exactly as Python's `'%.Nf'` prints it:
 * the exact binary value rounded half to even (JS `toFixed` rounds exact ties up and switches to
 * exponent notation past 1e21).
 */
export function formatFixed(x: number, precision: number): string {
  if (Number.isNaN(x)) return "nan";
  if (!Number.isFinite(x)) return x > 0 ? "inf" : "-inf";
  const neg = x < 0 || Object.is(x, -0);
  const [mantissa, exponent] = decompose(Math.abs(x));
  const scaled = mantissa * 10n ** BigInt(precision);
  let q: bigint;
  if (exponent >= 0) q = scaled << BigInt(exponent);
  else {
    const shift = BigInt(-exponent);
    q = scaled >> shift;
    const rest = scaled - (q << shift);
    const half = 1n << (shift - 1n);
    if (rest > half || (rest === half && (q & 1n) === 1n)) q += 1n;
  }
  let digits = q.toString();
  if (precision > 0) {
    digits = digits.padStart(precision + 1, "0");
    digits = `${digits.slice(0, -precision)}.${digits.slice(-precision)}`;
  }
  return (neg ? "-" : "") + digits;
}

/** A finite non-negative double as mantissa × 2^exponent (both exact). */
function decompose(x: number): [bigint, number] {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  const hi = view.getUint32(0);
  const lo = view.getUint32(4);
  const biased = (hi >>> 20) & 0x7ff;
  const frac = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  if (biased === 0) return [frac, -1074];
  return [frac | (1n << 52n), biased - 1075];
}
