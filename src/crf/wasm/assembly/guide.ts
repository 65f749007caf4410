// Guide statistics of a band (docs/method.md §2): window means μ and (Σ + εI)⁻¹ per
// pixel from running sums of the 9 image moments, 2 moments per f64x2 (the
// tenth lane is padding). Same formulas as the host's guide preparation.
import { H, W, R, G0, G1, EPS, IMAGE, MEAN, INVCOV, INVROWS, INVCOLS, INVCOLS32, MOMENTS, IMAGE32, MEAN32, INVCOV32 } from './state';

/** Bytes of one column's moments: R, G, B, RR, RG, RB, GG, GB, BB, pad. */
const MB: usize = 80;

/** MOMENTS columns += sign × the moments of every pixel of image row y. */
function momentRow(y: i32, sign: f64): void {
  let img = IMAGE + <usize>((y - G0) * W) * 24;
  let o = MOMENTS;
  const sv = f64x2.splat(sign);
  for (let x = 0; x < W; x++, img += 24, o += MB) {
    const r = load<f64>(img);
    const g = load<f64>(img, 8);
    const b = load<f64>(img, 16);
    const rg = f64x2.replace_lane(f64x2.splat(r), 1, g);
    const br = f64x2.replace_lane(f64x2.splat(b), 1, r);
    const gg = f64x2.splat(g);
    // [R, G], [B, RR], [RG, RB], [GG, GB], [BB, 0]
    const bb = f64x2.replace_lane(f64x2.splat(b * b), 1, 0);
    v128.store(o, f64x2.add(v128.load(o), f64x2.mul(sv, rg)));
    v128.store(o + 16, f64x2.add(v128.load(o + 16), f64x2.mul(sv, f64x2.mul(br, f64x2.replace_lane(f64x2.splat(1.0), 1, r)))));
    v128.store(o + 32, f64x2.add(v128.load(o + 32), f64x2.mul(sv, f64x2.mul(f64x2.splat(r), f64x2.replace_lane(gg, 1, b)))));
    v128.store(o + 48, f64x2.add(v128.load(o + 48), f64x2.mul(sv, f64x2.mul(gg, f64x2.replace_lane(gg, 1, b)))));
    v128.store(o + 64, f64x2.add(v128.load(o + 64), f64x2.mul(sv, bb)));
  }
}

/** μ and (Σ + εI)⁻¹ for global rows [c0, c1) (image rows [c0 − R, c1 + R) ∩ [0, H) must be stored). */
export function guideRows(c0: i32, c1: i32): void {
  memory.fill(MOMENTS, 0, <usize>W * MB);
  for (let y = max(0, c0 - R); y <= min(H - 1, c0 + R); y++) momentRow(y, 1.0);
  for (let y = c0; y < c1; y++) {
    statisticsRow(y);
    if (y + 1 < c1) {
      if (y + R + 1 < H) momentRow(y + R + 1, 1.0);
      if (y - R >= 0) momentRow(y - R, -1.0);
    }
  }
}

/** Horizontal window sums of the column moments for row y, then μ and the inverse per pixel. */
function statisticsRow(y: i32): void {
  const acc = MOMENTS + <usize>W * MB;
  memory.fill(acc, 0, MB);
  for (let x = 0; x <= min(R, W - 1); x++) addColumn(acc, MOMENTS + <usize>x * MB, 1.0);
  const invRow = load<f64>(INVROWS + (<usize>y << 3));
  const pix = <usize>((y - G0) * W);
  for (let x = 0; x < W; x++) {
    const inv = invRow * load<f64>(INVCOLS + (<usize>x << 3));
    writeInverse(acc, inv, pix + <usize>x);
    if (x + R + 1 < W) addColumn(acc, MOMENTS + <usize>(x + R + 1) * MB, 1.0);
    if (x - R >= 0) addColumn(acc, MOMENTS + <usize>(x - R) * MB, -1.0);
  }
}

// @ts-ignore: decorator
@inline function addColumn(acc: usize, col: usize, sign: f64): void {
  const s = f64x2.splat(sign);
  for (let k: usize = 0; k < MB; k += 16) v128.store(acc + k, f64x2.add(v128.load(acc + k), f64x2.mul(s, v128.load(col + k))));
}

/** Stores μ and (Σ + εI)⁻¹ of local pixel i from the window sums at `acc` (scaled by `inv`). */
function writeInverse(acc: usize, inv: f64, i: usize): void {
  const mr = load<f64>(acc) * inv;
  const mg = load<f64>(acc, 8) * inv;
  const mb = load<f64>(acc, 16) * inv;
  const a = load<f64>(acc, 24) * inv - mr * mr + EPS;
  const b = load<f64>(acc, 32) * inv - mr * mg;
  const c = load<f64>(acc, 40) * inv - mr * mb;
  const d = load<f64>(acc, 48) * inv - mg * mg + EPS;
  const e = load<f64>(acc, 56) * inv - mg * mb;
  const f = load<f64>(acc, 64) * inv - mb * mb + EPS;
  // Inverse of the symmetric [[a b c] [b d e] [c e f]] by its adjugate.
  const i00 = d * f - e * e;
  const i01 = c * e - b * f;
  const i02 = b * e - c * d;
  const i11 = a * f - c * c;
  const i12 = b * c - a * e;
  const i22 = a * d - b * b;
  const invDet = 1.0 / (a * i00 + b * i01 + c * i02);
  const m = MEAN + i * 24;
  store<f64>(m, mr);
  store<f64>(m, mg, 8);
  store<f64>(m, mb, 16);
  const q = INVCOV + i * 48;
  store<f64>(q, i00 * invDet);
  store<f64>(q, i01 * invDet, 8);
  store<f64>(q, i02 * invDet, 16);
  store<f64>(q, i11 * invDet, 24);
  store<f64>(q, i12 * invDet, 32);
  store<f64>(q, i22 * invDet, 40);
}

/**
 * The iterations' float32 copies of local rows [G0, G1): image and mean centred
 * on 128 (the image clamped to ±128, so fixed-point products stay in range),
 * the inverse covariance padded to 8 values, and the column counts' inverses. Rows without guide statistics copy
 * whatever their slots hold; they are never read.
 */
export function packRows(): void {
  for (let x: usize = 0; x < <usize>W; x++) store<f32>(INVCOLS32 + (x << 2), <f32>load<f64>(INVCOLS + (x << 3)));
  const pixels = <usize>((G1 - G0) * W);
  for (let i: usize = 0; i < pixels; i++) {
    const img = IMAGE + i * 24;
    const m = MEAN + i * 24;
    const c = INVCOV + i * 48;
    const to = i * 16;
    for (let k: usize = 0; k < 3; k++) {
      store<f32>(IMAGE32 + to + (k << 2), <f32>min(128.0, max(-128.0, load<f64>(img + (k << 3)) - 128.0)));
      store<f32>(MEAN32 + to + (k << 2), <f32>(load<f64>(m + (k << 3)) - 128.0));
    }
    store<f32>(IMAGE32 + to + 12, 0);
    store<f32>(MEAN32 + to + 12, 0);
    for (let k: usize = 0; k < 6; k++) store<f32>(INVCOV32 + i * 32 + (k << 2), <f32>load<f64>(c + (k << 3)));
  }
}
