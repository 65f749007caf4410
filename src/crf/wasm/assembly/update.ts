// Per-pixel mean-field update: scores S = U + w·(M + λ(ĝ ΣM + ĝᵀM)), then
// Q = softmax(S), vectorized across classes (2 per f64x2; L odd pads a lane).
import { L, LP, F, CP, WPAIR, WLAMBDA, LOGP, MSG, SCORES, UNARY, G0, G1, W, Y0, Y1 } from './state';
import { expNonPositive, hsum, loadF32x2, storeF32Low, storeF32x2 } from './simd';

/** Lane-1 filler of the padding class: its exp underflows to 0. */
const PAD: f64 = -1e300;

/**
 * Softmax of the LP scores at SCORES (padding lane already PAD) into float32
 * `dst` (L values; the padding lane is never stored).
 */
// @ts-ignore: decorator
@inline function softmaxStore(dst: usize): void {
  const n = LP >> 1;
  let m = v128.load(SCORES);
  for (let v = 1; v < n; v++) m = f64x2.pmax(m, v128.load(SCORES + (<usize>v << 4)));
  const top = f64x2.splat(max<f64>(f64x2.extract_lane(m, 0), f64x2.extract_lane(m, 1)));
  let sum = f64x2.splat(0);
  for (let v = 0; v < n; v++) {
    const p = SCORES + (<usize>v << 4);
    const e = expNonPositive(f64x2.sub(v128.load(p), top));
    v128.store(p, e);
    sum = f64x2.add(sum, e);
  }
  const inv = f64x2.splat(1.0 / hsum(sum));
  const full = L >> 1;
  for (let v = 0; v < full; v++) storeF32x2(dst + (<usize>v << 3), f64x2.mul(v128.load(SCORES + (<usize>v << 4)), inv));
  if (L & 1) storeF32Low(dst + (<usize>full << 3), f64x2.mul(v128.load(SCORES + (<usize>full << 4)), inv));
}

/** Stores the LP scores at SCORES as float32 S (L values). */
// @ts-ignore: decorator
@inline function scoresStore(dst: usize): void {
  const full = L >> 1;
  for (let v = 0; v < full; v++) storeF32x2(dst + (<usize>v << 3), v128.load(SCORES + (<usize>v << 4)));
  if (L & 1) storeF32Low(dst + (<usize>full << 3), v128.load(SCORES + (<usize>full << 4)));
}

/**
 * Update of one pixel whose F filtered messages are at MSG[0, CP) (lanes past F
 * are garbage): completes the message of the last class as 1 − Σ, applies the
 * rank-two compatibility, writes softmax (or the scores when `last`) to `dst`;
 * `u` is the pixel's unary.
 */
// @ts-ignore: decorator
@inline export function updatePixel(u: usize, dst: usize, last: bool): void {
  const nc = CP >> 1;
  let acc = f64x2.splat(0);
  for (let v = 0; v < nc; v++) acc = f64x2.add(acc, v128.load(MSG + (<usize>v << 4)));
  let rest = 1.0 - hsum(acc);
  // CP > F when L is even: MSG[F] = MSG[L − 1] held a garbage lane that was summed.
  if (CP > F) rest += load<f64>(MSG + (<usize>F << 3));
  if (L > 1) store<f64>(MSG + (<usize>(L - 1) << 3), rest);
  const n = LP >> 1;
  const w = f64x2.splat(WPAIR);
  let bias = f64x2.splat(0);
  let gw = f64x2.splat(0);
  if (WLAMBDA != 0) {
    let sumM = f64x2.splat(0);
    let sumGM = f64x2.splat(0);
    for (let v = 0; v < n; v++) {
      const m = v128.load(MSG + (<usize>v << 4));
      sumM = f64x2.add(sumM, m);
      sumGM = f64x2.add(sumGM, f64x2.mul(v128.load(LOGP + (<usize>v << 4)), m));
    }
    gw = f64x2.splat(WLAMBDA * hsum(sumM));
    bias = f64x2.splat(WLAMBDA * hsum(sumGM));
  }
  for (let v = 0; v < n; v++) {
    const o = <usize>v << 4;
    const s = f64x2.add(
      f64x2.add(loadF32x2(u + (<usize>v << 3)), f64x2.mul(w, v128.load(MSG + o))),
      f64x2.add(f64x2.mul(gw, v128.load(LOGP + o)), bias),
    );
    v128.store(SCORES + o, s);
  }
  if (L & 1) store<f64>(SCORES + (<usize>L << 3), PAD);
  if (last) scoresStore(dst);
  else softmaxStore(dst);
}

/** Q⁰ = softmax(U) for local rows [G0, G1) into float32 `q` (local rows). */
export function initRows(q: usize): void {
  const n = LP >> 1;
  const pixels = (G1 - G0) * W;
  for (let i = 0; i < pixels; i++) {
    const o = <usize>(i * L) << 2;
    for (let v = 0; v < n; v++) v128.store(SCORES + (<usize>v << 4), loadF32x2(UNARY + o + (<usize>v << 3)));
    if (L & 1) store<f64>(SCORES + (<usize>L << 3), PAD);
    softmaxStore(q + o);
  }
}

/** Labels = argmax over classes of float32 scores `s` (local rows) for output rows [Y0, Y1). */
export function labelRows(s: usize, labels: usize): void {
  const first = (Y0 - G0) * W;
  const pixels = (Y1 - Y0) * W;
  for (let i = 0; i < pixels; i++) {
    const p = s + (<usize>((first + i) * L) << 2);
    let best = 0;
    let bestV = load<f32>(p);
    for (let l = 1; l < L; l++) {
      const v = load<f32>(p + (<usize>l << 2));
      if (v > bestV) {
        bestV = v;
        best = l;
      }
    }
    store<u8>(labels + <usize>i, <u8>best);
  }
}
