// Vector helpers on f64x2 lanes.

const LOG2E: f64 = 1.4426950408889634;
const LN2: f64 = 0.6931471805599453;
/** Adding then subtracting 1.5·2^52 rounds a double to the nearest integer; the sum's low bits hold that integer. */
const ROUND: f64 = 6755399441055744.0;

/** Two consecutive float32 values at `ptr` as f64x2. */
// @ts-ignore: decorator
@inline export function loadF32x2(ptr: usize): v128 {
  return f64x2.promote_low_f32x4(v128.load64_zero(ptr));
}

/** Stores both lanes of `v` as float32 at `ptr`. */
// @ts-ignore: decorator
@inline export function storeF32x2(ptr: usize, v: v128): void {
  v128.store64_lane(ptr, f32x4.demote_f64x2_zero(v), 0);
}

/** Stores lane 0 of `v` as float32 at `ptr`. */
// @ts-ignore: decorator
@inline export function storeF32Low(ptr: usize, v: v128): void {
  v128.store32_lane(ptr, f32x4.demote_f64x2_zero(v), 0);
}

/** Slides a window sum: acc += (column entering at `add`) − (column leaving at `sub`); returns the new sum. */
// @ts-ignore: decorator
@inline export function slideWindow(acc: usize, add: usize, sub: usize): v128 {
  const v = f64x2.add(v128.load(acc), f64x2.sub(v128.load(add), v128.load(sub)));
  v128.store(acc, v);
  return v;
}

/** Sum of both lanes. */
// @ts-ignore: decorator
@inline export function hsum(v: v128): f64 {
  return f64x2.extract_lane(v, 0) + f64x2.extract_lane(v, 1);
}

/**
 * exp(x) for x ≤ 0 on both lanes, same method as the host's scalar version:
 * x = k·ln2 + f, exp(f) by its degree-7 Taylor polynomial, 2^k built from the
 * exponent bits (x below −700 gives ≈ 2^−1010).
 */
// @ts-ignore: decorator
@inline export function expNonPositive(x: v128): v128 {
  // pmax (plain maxpd) instead of max: inputs are never NaN, and max costs a NaN-propagation sequence.
  const v = f64x2.pmax(x, f64x2.splat(-700.0));
  const kr = f64x2.add(f64x2.mul(v, f64x2.splat(LOG2E)), f64x2.splat(ROUND));
  const k = f64x2.sub(kr, f64x2.splat(ROUND));
  const f = f64x2.sub(v, f64x2.mul(k, f64x2.splat(LN2)));
  let p = f64x2.add(f64x2.splat(0.001388888888888889), f64x2.mul(f, f64x2.splat(0.0001984126984126984)));
  p = f64x2.add(f64x2.splat(0.008333333333333333), f64x2.mul(f, p));
  p = f64x2.add(f64x2.splat(0.041666666666666664), f64x2.mul(f, p));
  p = f64x2.add(f64x2.splat(0.16666666666666666), f64x2.mul(f, p));
  p = f64x2.add(f64x2.splat(0.5), f64x2.mul(f, p));
  p = f64x2.add(f64x2.splat(1.0), f64x2.mul(f, p));
  p = f64x2.add(f64x2.splat(1.0), f64x2.mul(f, p));
  // Low 12 bits of kr's bit pattern are k mod 4096; (k + 1023) << 52 is 2^k's bit pattern.
  const pow2 = i64x2.shl(i64x2.add(kr, i64x2.splat(1023)), 52);
  return f64x2.mul(p, pow2);
}
