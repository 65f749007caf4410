// One exact mean-field iteration of a band: the streaming guided filter of
// docs/method.md §2 (vertical strips, ring of pass-1 rows, running column sums in
// float64) fused with the per-pixel update. SIMD runs across channels: a column
// holds 4 planes [p, I_r p, I_g p, I_b p] of CP channels, so each scalar formula
// becomes the same formula on f64x2 vectors of 2 channels.
import { H, W, R, L, CP, G0, Y0, Y1, STRIP, IMAGE, MEAN, INVCOV, UNARY, INVROWS, INVCOLS, COL1, COL2, RING, ACC, MSG } from './state';
import { loadF32x2, slideWindow } from './simd';
import { updatePixel } from './update';

// Current strip: output [sx0, sx1), pass-1 coefficients [ax0, ax1), pass-1 sums [cx0, cx1).
let sx0: i32 = 0;
let sx1: i32 = 0;
let ax0: i32 = 0;
let ax1: i32 = 0;
let cx0: i32 = 0;
let cx1: i32 = 0;

/** Bytes of one column (4 planes of CP float64). */
// @ts-ignore: decorator
@inline function columnBytes(): usize {
  return <usize>CP << 5;
}

/**
 * Iteration for output rows [Y0, Y1): reads float32 Q at `src` (local rows
 * [G0, G1)), writes softmax(S) (or S when `last`) to the band rows of `dst`.
 */
export function iterate(src: usize, dst: usize, last: bool): void {
  for (let x0 = 0; x0 < W; x0 += STRIP) {
    sx0 = x0;
    sx1 = min(W, x0 + STRIP);
    ax0 = max(0, x0 - R);
    ax1 = min(W, sx1 + R);
    cx0 = max(0, x0 - 2 * R);
    cx1 = min(W, sx1 + 2 * R);
    filterStrip(src, dst, last);
  }
}

function filterStrip(src: usize, dst: usize, last: bool): void {
  const KS = columnBytes();
  const a0 = max(0, Y0 - R);
  const a1 = min(H, Y1 + R);
  // Local columns carry R+1 zero columns on each side so windows slide without border branches.
  memory.fill(COL1, 0, <usize>(cx1 - cx0 + 2 * R + 2) * KS);
  memory.fill(COL2, 0, <usize>(ax1 - ax0 + 2 * R + 2) * KS);
  for (let y = max(0, a0 - R); y <= min(H - 1, a0 + R); y++) productOne(src, y, 1.0);
  let nextA = a0;
  for (let y = Y0; y < Y1; y++) {
    const need = min(H - 1, y + R);
    while (nextA <= need) {
      coefficientRow(nextA);
      if (nextA + 1 < a1) {
        const add = nextA + R + 1 < H ? nextA + R + 1 : -1;
        const sub = nextA - R;
        if (add >= 0 && sub >= 0) productBoth(src, add, sub);
        else if (add >= 0) productOne(src, add, 1.0);
        else if (sub >= 0) productOne(src, sub, -1.0);
      }
      nextA++;
    }
    if (y == Y0) {
      for (let j = max(0, Y0 - R); j <= need; j++) ringRow(j, -1);
    } else {
      ringRow(y + R < H ? y + R : -1, y - R - 1);
    }
    outputRow(y, dst, last);
  }
}

/** COL1 += sign × products of row y (columns [cx0, cx1)). */
function productOne(src: usize, y: i32, sign: f64): void {
  const KS = columnBytes();
  const PS = <usize>CP << 3;
  const nv = <usize>CP >> 1;
  const sv = f64x2.splat(sign);
  let o = COL1 + <usize>(R + 1) * KS;
  const pix = <usize>((y - G0) * W + cx0);
  let img = IMAGE + pix * 24;
  let p = src + pix * <usize>L * 4;
  const pStep = <usize>L << 2;
  for (let x = cx0; x < cx1; x++, o += KS, img += 24, p += pStep) {
    const r = f64x2.splat(load<f64>(img));
    const g = f64x2.splat(load<f64>(img, 8));
    const b = f64x2.splat(load<f64>(img, 16));
    for (let v: usize = 0; v < nv; v++) {
      const q = f64x2.mul(loadF32x2(p + (v << 3)), sv);
      const c = o + (v << 4);
      v128.store(c, f64x2.add(v128.load(c), q));
      v128.store(c + PS, f64x2.add(v128.load(c + PS), f64x2.mul(q, r)));
      v128.store(c + 2 * PS, f64x2.add(v128.load(c + 2 * PS), f64x2.mul(q, g)));
      v128.store(c + 3 * PS, f64x2.add(v128.load(c + 3 * PS), f64x2.mul(q, b)));
    }
  }
}

/** COL1 += products of row `add` − products of row `sub` (columns [cx0, cx1)). */
function productBoth(src: usize, add: i32, sub: i32): void {
  const KS = columnBytes();
  const PS = <usize>CP << 3;
  const nv = <usize>CP >> 1;
  let o = COL1 + <usize>(R + 1) * KS;
  const pa = <usize>((add - G0) * W + cx0);
  const ps = <usize>((sub - G0) * W + cx0);
  let ia = IMAGE + pa * 24;
  let is = IMAGE + ps * 24;
  const pStep = <usize>L << 2;
  let qa = src + pa * pStep;
  let qs = src + ps * pStep;
  for (let x = cx0; x < cx1; x++, o += KS, ia += 24, is += 24, qa += pStep, qs += pStep) {
    const ra = f64x2.splat(load<f64>(ia));
    const ga = f64x2.splat(load<f64>(ia, 8));
    const ba = f64x2.splat(load<f64>(ia, 16));
    const rs = f64x2.splat(load<f64>(is));
    const gs = f64x2.splat(load<f64>(is, 8));
    const bs = f64x2.splat(load<f64>(is, 16));
    for (let v: usize = 0; v < nv; v++) {
      const va = loadF32x2(qa + (v << 3));
      const vs = loadF32x2(qs + (v << 3));
      const c = o + (v << 4);
      v128.store(c, f64x2.add(v128.load(c), f64x2.sub(va, vs)));
      v128.store(c + PS, f64x2.add(v128.load(c + PS), f64x2.sub(f64x2.mul(va, ra), f64x2.mul(vs, rs))));
      v128.store(c + 2 * PS, f64x2.add(v128.load(c + 2 * PS), f64x2.sub(f64x2.mul(va, ga), f64x2.mul(vs, gs))));
      v128.store(c + 3 * PS, f64x2.add(v128.load(c + 3 * PS), f64x2.sub(f64x2.mul(va, ba), f64x2.mul(vs, bs))));
    }
  }
}

/** ACC = Σ of 2R+1 columns of `col` starting at local column `first`. */
function startAccumulator(col: usize, first: i32): void {
  const KS = columnBytes();
  memory.fill(ACC, 0, KS);
  let o = col + <usize>first * KS;
  for (let x = 0; x <= 2 * R; x++, o += KS) {
    for (let k: usize = 0; k < KS; k += 16) v128.store(ACC + k, f64x2.add(v128.load(ACC + k), v128.load(o + k)));
  }
}

/** Pass-1 horizontal box of COL1 for image row j → (a, b) of columns [ax0, ax1) into its ring slot. */
function coefficientRow(j: i32): void {
  const KS = columnBytes();
  const PS = <usize>CP << 3;
  const nv = <usize>CP >> 1;
  let d = RING + <usize>(j % (2 * R + 2)) * <usize>(ax1 - ax0) * KS;
  const invRow = load<f64>(INVROWS + (<usize>j << 3));
  const first = ax0 - cx0;
  startAccumulator(COL1, first);
  let a = COL1 + <usize>(first + 2 * R + 1) * KS;
  let s = COL1 + <usize>first * KS;
  const pix = <usize>((j - G0) * W + ax0);
  let mean = MEAN + pix * 24;
  let ic = INVCOV + pix * 48;
  let invCol = INVCOLS + (<usize>ax0 << 3);
  for (let x = ax0; x < ax1; x++, d += KS, a += KS, s += KS, mean += 24, ic += 48, invCol += 8) {
    const inv = f64x2.splat(invRow * load<f64>(invCol));
    const mr = f64x2.splat(load<f64>(mean));
    const mg = f64x2.splat(load<f64>(mean, 8));
    const mb = f64x2.splat(load<f64>(mean, 16));
    const s00 = f64x2.splat(load<f64>(ic));
    const s01 = f64x2.splat(load<f64>(ic, 8));
    const s02 = f64x2.splat(load<f64>(ic, 16));
    const s11 = f64x2.splat(load<f64>(ic, 24));
    const s12 = f64x2.splat(load<f64>(ic, 32));
    const s22 = f64x2.splat(load<f64>(ic, 40));
    for (let v: usize = 0; v < nv; v++) {
      const k = v << 4;
      const v0 = slideWindow(ACC + k, a + k, s + k);
      const v1 = slideWindow(ACC + k + PS, a + k + PS, s + k + PS);
      const v2 = slideWindow(ACC + k + 2 * PS, a + k + 2 * PS, s + k + 2 * PS);
      const v3 = slideWindow(ACC + k + 3 * PS, a + k + 3 * PS, s + k + 3 * PS);
      const mp = f64x2.mul(v0, inv);
      const cr = f64x2.sub(f64x2.mul(v1, inv), f64x2.mul(mr, mp));
      const cg = f64x2.sub(f64x2.mul(v2, inv), f64x2.mul(mg, mp));
      const cb = f64x2.sub(f64x2.mul(v3, inv), f64x2.mul(mb, mp));
      const ar = f64x2.add(f64x2.add(f64x2.mul(s00, cr), f64x2.mul(s01, cg)), f64x2.mul(s02, cb));
      const ag = f64x2.add(f64x2.add(f64x2.mul(s01, cr), f64x2.mul(s11, cg)), f64x2.mul(s12, cb));
      const ab = f64x2.add(f64x2.add(f64x2.mul(s02, cr), f64x2.mul(s12, cg)), f64x2.mul(s22, cb));
      v128.store(d + k, ar);
      v128.store(d + k + PS, ag);
      v128.store(d + k + 2 * PS, ab);
      const bm = f64x2.add(f64x2.add(f64x2.mul(ar, mr), f64x2.mul(ag, mg)), f64x2.mul(ab, mb));
      v128.store(d + k + 3 * PS, f64x2.sub(mp, bm));
    }
  }
}

/** COL2 += ring row `add` − ring row `sub` (−1 = none). */
function ringRow(add: i32, sub: i32): void {
  const KS = columnBytes();
  const n = <usize>(ax1 - ax0) * KS;
  const rows = 2 * R + 2;
  const col = COL2 + <usize>(R + 1) * KS;
  const ra = RING + <usize>(add % rows) * n;
  const rs = RING + <usize>(sub % rows) * n;
  if (add >= 0 && sub >= 0) {
    for (let k: usize = 0; k < n; k += 16) {
      v128.store(col + k, f64x2.add(v128.load(col + k), f64x2.sub(v128.load(ra + k), v128.load(rs + k))));
    }
  } else if (add >= 0) {
    for (let k: usize = 0; k < n; k += 16) v128.store(col + k, f64x2.add(v128.load(col + k), v128.load(ra + k)));
  } else if (sub >= 0) {
    for (let k: usize = 0; k < n; k += 16) v128.store(col + k, f64x2.sub(v128.load(col + k), v128.load(rs + k)));
  }
}

/** Pass-2 horizontal box for row y, q = mean_aᵀ I + mean_b on columns [sx0, sx1), then the update of each pixel. */
function outputRow(y: i32, dst: usize, last: bool): void {
  const KS = columnBytes();
  const PS = <usize>CP << 3;
  const nv = <usize>CP >> 1;
  const invRow = load<f64>(INVROWS + (<usize>y << 3));
  const first = sx0 - ax0;
  startAccumulator(COL2, first);
  let a = COL2 + <usize>(first + 2 * R + 1) * KS;
  let s = COL2 + <usize>first * KS;
  const pix = <usize>((y - G0) * W + sx0);
  const pStep = <usize>L << 2;
  let img = IMAGE + pix * 24;
  let u = UNARY + pix * pStep;
  let out = dst + pix * pStep;
  let invCol = INVCOLS + (<usize>sx0 << 3);
  for (let x = sx0; x < sx1; x++, a += KS, s += KS, img += 24, u += pStep, out += pStep, invCol += 8) {
    const invS = invRow * load<f64>(invCol);
    const inv = f64x2.splat(invS);
    const r = f64x2.splat(load<f64>(img) * invS);
    const g = f64x2.splat(load<f64>(img, 8) * invS);
    const b = f64x2.splat(load<f64>(img, 16) * invS);
    for (let v: usize = 0; v < nv; v++) {
      const k = v << 4;
      const v0 = slideWindow(ACC + k, a + k, s + k);
      const v1 = slideWindow(ACC + k + PS, a + k + PS, s + k + PS);
      const v2 = slideWindow(ACC + k + 2 * PS, a + k + 2 * PS, s + k + 2 * PS);
      const v3 = slideWindow(ACC + k + 3 * PS, a + k + 3 * PS, s + k + 3 * PS);
      const q = f64x2.add(f64x2.add(f64x2.mul(v0, r), f64x2.mul(v1, g)), f64x2.add(f64x2.mul(v2, b), f64x2.mul(v3, inv)));
      v128.store(MSG + k, q);
    }
    updatePixel(u, out, last);
  }
}
