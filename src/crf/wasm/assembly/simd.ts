// Vector helpers on f32x4 / i32x4 lanes.

const LOG2E: f32 = 1.4426950408889634;
const LN2: f32 = 0.6931471805599453;
/** Adding 1.5·2^23 rounds a float32 |x| < 2^22 to the nearest integer n; the sum's bit pattern is MAGIC_BITS + n. */
export const MAGIC: f32 = 12582912.0;

/** Slides an integer window sum: acc += (column entering at `add`) − (column leaving at `sub`); returns the new sum. */
// @ts-ignore: decorator
@inline export function slideInt(acc: usize, add: usize, sub: usize): v128 {
  const v = i32x4.add(v128.load(acc), i32x4.sub(v128.load(add), v128.load(sub)));
  v128.store(acc, v);
  return v;
}

/** Slides a float32 window sum, as {@link slideInt}. */
// @ts-ignore: decorator
@inline export function slideFloat(acc: usize, add: usize, sub: usize): v128 {
  const v = f32x4.add(v128.load(acc), f32x4.sub(v128.load(add), v128.load(sub)));
  v128.store(acc, v);
  return v;
}

/**
 * exp(x) for x ≤ 0 on four lanes: x = k·ln2 + f (|f| ≤ ln2/2), exp(f) by its
 * degree-6 Taylor polynomial (relative error below 4e-7), 2^k from the
 * exponent bits; x below −87 gives ≈ 2^−126.
 */
// @ts-ignore: decorator
@inline export function expNonPositive(x: v128): v128 {
  // pmax (plain maxps) instead of max: inputs are never NaN, and max costs a NaN-propagation sequence.
  const v = f32x4.pmax(x, f32x4.splat(-80.0));
  const kr = f32x4.add(f32x4.mul(v, f32x4.splat(LOG2E)), f32x4.splat(MAGIC));
  const k = f32x4.sub(kr, f32x4.splat(MAGIC));
  const f = f32x4.sub(v, f32x4.mul(k, f32x4.splat(LN2)));
  let p = f32x4.add(f32x4.splat(0.008333333333333333), f32x4.mul(f, f32x4.splat(0.001388888888888889)));
  p = f32x4.add(f32x4.splat(0.041666666666666664), f32x4.mul(f, p));
  p = f32x4.add(f32x4.splat(0.16666666666666666), f32x4.mul(f, p));
  p = f32x4.add(f32x4.splat(0.5), f32x4.mul(f, p));
  p = f32x4.add(f32x4.splat(1.0), f32x4.mul(f, p));
  p = f32x4.add(f32x4.splat(1.0), f32x4.mul(f, p));
  // kr's bit pattern is MAGIC's + k; shifting by 23 drops MAGIC's bits, leaving (k + 127) << 23 = 2^k.
  const pow2 = i32x4.shl(i32x4.add(kr, i32x4.splat(127)), 23);
  return f32x4.mul(p, pow2);
}
