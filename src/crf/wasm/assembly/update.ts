// Mean-field update, 4 pixels per f32x4 (one lane per pixel, classes looped):
// scores S = U + w·(M + λ(ĝ ΣM + ĝᵀM)), then Q = softmax(S), or S and its
// argmax on the last iteration. Across pixels there is no horizontal step and
// the 4 lanes' chains run side by side.
import { L, F, WPAIR, WLAMBDA, LOGP, SCORES, UNARY, UNARYT, G0, G1, W, MSGROW, ROWSTRIDE } from './state';
import { expNonPositive } from './simd';

/** Byte offsets of the group's 4 pixels from its first (lanes past `count` repeat the last pixel, so reads stay in the map). */
// @ts-ignore: decorator
@inline function laneOffset(i: i32, count: i32): usize {
  return <usize>(min(i, count - 1) * L) << 2;
}

/** Class c of the 4 pixels at `base` (pixel-major, L per pixel). */
// @ts-ignore: decorator
@inline function gather(base: usize, c: i32, o1: usize, o2: usize, o3: usize): v128 {
  const p = base + (<usize>c << 2);
  let g = v128.load32_splat(p);
  g = v128.load32_lane(p + o1, g, 1);
  g = v128.load32_lane(p + o2, g, 2);
  return v128.load32_lane(p + o3, g, 3);
}

/** Stores lanes [0, count) of `v` as class c of the pixels at `base`. */
// @ts-ignore: decorator
@inline function scatter(base: usize, c: i32, v: v128, count: i32, o1: usize, o2: usize, o3: usize): void {
  const p = base + (<usize>c << 2);
  v128.store32_lane(p, v, 0);
  if (count > 1) v128.store32_lane(p + o1, v, 1);
  if (count > 2) v128.store32_lane(p + o2, v, 2);
  if (count > 3) v128.store32_lane(p + o3, v, 3);
}

/** Softmax over the L classes of SCORES (class-major, 4 pixels) into the group's pixels at `dst`. */
// @ts-ignore: decorator
@inline function softmaxGroup(dst: usize, count: i32, o1: usize, o2: usize, o3: usize): void {
  let top = v128.load(SCORES);
  for (let c = 1; c < L; c++) top = f32x4.pmax(top, v128.load(SCORES + (<usize>c << 4)));
  let sum = f32x4.splat(0);
  for (let c = 0; c < L; c++) {
    const p = SCORES + (<usize>c << 4);
    const e = expNonPositive(f32x4.sub(v128.load(p), top));
    v128.store(p, e);
    sum = f32x4.add(sum, e);
  }
  const inv = f32x4.div(f32x4.splat(1.0), sum);
  for (let c = 0; c < L; c++) scatter(dst, c, f32x4.mul(v128.load(SCORES + (<usize>c << 4)), inv), count, o1, o2, o3);
}

/** Scores of SCORES to `dst` and their argmax (first largest class) to `labels`, for the group's pixels. */
// @ts-ignore: decorator
@inline function scoresAndLabels(dst: usize, labels: usize, count: i32, o1: usize, o2: usize, o3: usize): void {
  let best = v128.load(SCORES);
  let arg = i32x4.splat(0);
  scatter(dst, 0, best, count, o1, o2, o3);
  for (let c = 1; c < L; c++) {
    const s = v128.load(SCORES + (<usize>c << 4));
    scatter(dst, c, s, count, o1, o2, o3);
    const better = f32x4.gt(s, best);
    best = f32x4.pmax(best, s);
    arg = v128.bitselect(i32x4.splat(c), arg, better);
  }
  store<u8>(labels, <u8>i32x4.extract_lane(arg, 0));
  if (count > 1) store<u8>(labels, <u8>i32x4.extract_lane(arg, 1), 1);
  if (count > 2) store<u8>(labels, <u8>i32x4.extract_lane(arg, 2), 2);
  if (count > 3) store<u8>(labels, <u8>i32x4.extract_lane(arg, 3), 3);
}

/**
 * Update of `count` (1..4) pixels whose F filtered messages are in MSGROW
 * (class-major rows of ROWSTRIDE floats) from column `col`: the message of the
 * last class is 1 − Σ (the filter keeps Σ_l Q_l = 1), the rank-two
 * compatibility is applied, and softmax (or the scores, and their argmax at
 * `labels`, when `last`) is written to the pixels at `dst`; `u` is the
 * group's unary in UNARYT (L vectors).
 */
export function updateGroup(col: i32, count: i32, u: usize, dst: usize, labels: usize, last: bool): void {
  const o1 = laneOffset(1, count);
  const o2 = laneOffset(2, count);
  const o3 = laneOffset(3, count);
  const msg = MSGROW + (<usize>col << 2);
  const stride = <usize>ROWSTRIDE << 2;
  let sumF = f32x4.splat(0);
  for (let c = 0; c < F; c++) sumF = f32x4.add(sumF, v128.load(msg + <usize>c * stride));
  const rest = f32x4.sub(f32x4.splat(1.0), sumF);
  // M_c is row c of MSGROW for c < F, and `rest` for the last class (L ≥ 2).
  const w = f32x4.splat(WPAIR);
  let gw = f32x4.splat(0);
  let bias = f32x4.splat(0);
  if (WLAMBDA != 0) {
    let sumGM = f32x4.mul(v128.load32_splat(LOGP + (<usize>(L - 1) << 2)), rest);
    for (let c = 0; c < F; c++) sumGM = f32x4.add(sumGM, f32x4.mul(v128.load32_splat(LOGP + (<usize>c << 2)), v128.load(msg + <usize>c * stride)));
    const wl = f32x4.splat(WLAMBDA);
    gw = f32x4.mul(wl, f32x4.add(sumF, rest));
    bias = f32x4.mul(wl, sumGM);
  }
  for (let c = 0; c < L; c++) {
    const m = c < F ? v128.load(msg + <usize>c * stride) : rest;
    const s = f32x4.add(
      f32x4.add(v128.load(u + (<usize>c << 4)), f32x4.mul(w, m)),
      f32x4.add(f32x4.mul(gw, v128.load32_splat(LOGP + (<usize>c << 2))), bias),
    );
    v128.store(SCORES + (<usize>c << 4), s);
  }
  if (last) scoresAndLabels(dst, labels, count, o1, o2, o3);
  else softmaxGroup(dst, count, o1, o2, o3);
}

/**
 * Q⁰ = softmax(U) for local rows [G0, G1) into float32 `q` (local rows), and
 * the unary regrouped into UNARYT: per row, groups of 4 pixels from column 0,
 * each as L vectors (class-major), the layout the updates read.
 */
export function initRows(q: usize): void {
  const pStep = <usize>L << 2;
  let t = UNARYT;
  for (let y = G0; y < G1; y++) {
    const row = <usize>((y - G0) * W) * pStep;
    for (let x = 0; x < W; x += 4, t += <usize>L << 4) {
      const count = min(4, W - x);
      const o1 = laneOffset(1, count);
      const o2 = laneOffset(2, count);
      const o3 = laneOffset(3, count);
      const o = row + <usize>x * pStep;
      for (let c = 0; c < L; c++) {
        const g = gather(UNARY + o, c, o1, o2, o3);
        v128.store(t + (<usize>c << 4), g);
        v128.store(SCORES + (<usize>c << 4), g);
      }
      softmaxGroup(q + o, count, o1, o2, o3);
    }
  }
}
