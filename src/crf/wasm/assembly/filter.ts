// One exact mean-field iteration of a band: the streaming guided filter of
// docs/method.md §2 (vertical strips, ring of pass-1 rows, running column sums)
// fused with the per-pixel update. SIMD runs across channels: a column holds 4
// planes [p, I'_r p, I'_g p, I'_b p] of CP channels, 4 channels per vector.
// Pass-1 sums are integers: p is rounded to P = round(p·S), and P and I'·P (exact
// for an 8-bit image) enter as integers through the magic-number add, the same
// bits when a row enters a window and when it leaves, so the running sums are
// exact and the covariance is that of I' with P/S. Pass 2 runs in float32.
import { H, W, R, CP, G0, Y0, Y1, STRIP, ROWSTRIDE, SCALE, IMAGE32, MEAN32, INVCOV32, UNARYT, INVROWS, INVCOLS32, COL1, COL2, RING, MSGROW, LABELS, L } from './state';
import { MAGIC } from './simd';
import { updateGroup } from './update';

// Current strip: output [sx0, sx1), pass-1 coefficients [ax0, ax1), pass-1 sums [cx0, cx1).
let sx0: i32 = 0;
let sx1: i32 = 0;
let ax0: i32 = 0;
let ax1: i32 = 0;
let cx0: i32 = 0;
let cx1: i32 = 0;

/** Bytes of one column (4 planes of CP 32-bit values). */
// @ts-ignore: decorator
@inline function columnBytes(): usize {
  return <usize>CP << 4;
}

/**
 * Iteration for output rows [Y0, Y1): reads float32 Q at `src` (local rows
 * [G0, G1)), writes softmax(S) to the band rows of `dst`, or S and its argmax
 * (into LABELS) when `last`.
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
  for (let y = max(0, a0 - R); y <= min(H - 1, a0 + R); y++) productRows(src, y, -1);
  let nextA = a0;
  for (let y = Y0; y < Y1; y++) {
    const need = min(H - 1, y + R);
    while (nextA <= need) {
      coefficientRow(nextA);
      if (nextA + 1 < a1) productRows(src, nextA + R + 1 < H ? nextA + R + 1 : -1, nextA - R);
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

/**
 * COL1 += fixed-point products of row `add` − those of row `sub` (−1 = none) on
 * columns [cx0, cx1). A product's integer is its rounded float's bits minus
 * MAGIC's, so the difference of two products is the difference of their bits.
 */
function productRows(src: usize, add: i32, sub: i32): void {
  if (add >= 0 && sub >= 0) productBoth(src, add, sub);
  else if (add >= 0) productOne(src, add, false);
  else if (sub >= 0) productOne(src, sub, true);
}

/** COL1 ± the fixed-point products of row y. */
function productOne(src: usize, y: i32, subtract: bool): void {
  const KS = columnBytes();
  const PS = <usize>CP << 2;
  const nv = <usize>CP >> 2;
  const scale = f32x4.splat(SCALE);
  const magic = f32x4.splat(MAGIC);
  const magicBits = i32x4.splat(reinterpret<i32>(MAGIC));
  const pStep = <usize>L << 2;
  let o = COL1 + <usize>(R + 1) * KS;
  const pix = <usize>((y - G0) * W + cx0);
  let img = IMAGE32 + pix * 16;
  let p = src + pix * pStep;
  for (let x = cx0; x < cx1; x++, o += KS, img += 16, p += pStep) {
    const r = f32x4.splat(load<f32>(img));
    const g = f32x4.splat(load<f32>(img, 4));
    const b = f32x4.splat(load<f32>(img, 8));
    for (let v: usize = 0; v < nv; v++) {
      const qm = f32x4.add(f32x4.mul(v128.load(p + (v << 4)), scale), magic);
      const q = f32x4.sub(qm, magic);
      const c = o + (v << 4);
      const d0 = i32x4.sub(qm, magicBits);
      const d1 = i32x4.sub(f32x4.add(f32x4.mul(q, r), magic), magicBits);
      const d2 = i32x4.sub(f32x4.add(f32x4.mul(q, g), magic), magicBits);
      const d3 = i32x4.sub(f32x4.add(f32x4.mul(q, b), magic), magicBits);
      if (subtract) {
        v128.store(c, i32x4.sub(v128.load(c), d0));
        v128.store(c + PS, i32x4.sub(v128.load(c + PS), d1));
        v128.store(c + 2 * PS, i32x4.sub(v128.load(c + 2 * PS), d2));
        v128.store(c + 3 * PS, i32x4.sub(v128.load(c + 3 * PS), d3));
      } else {
        v128.store(c, i32x4.add(v128.load(c), d0));
        v128.store(c + PS, i32x4.add(v128.load(c + PS), d1));
        v128.store(c + 2 * PS, i32x4.add(v128.load(c + 2 * PS), d2));
        v128.store(c + 3 * PS, i32x4.add(v128.load(c + 3 * PS), d3));
      }
    }
  }
}

/** COL1 += fixed-point products of row `add` − those of row `sub`. */
function productBoth(src: usize, add: i32, sub: i32): void {
  const KS = columnBytes();
  const PS = <usize>CP << 2;
  const nv = <usize>CP >> 2;
  const scale = f32x4.splat(SCALE);
  const magic = f32x4.splat(MAGIC);
  const pStep = <usize>L << 2;
  let o = COL1 + <usize>(R + 1) * KS;
  const pa = <usize>((add - G0) * W + cx0);
  const ps = <usize>((sub - G0) * W + cx0);
  let ia = IMAGE32 + pa * 16;
  let is = IMAGE32 + ps * 16;
  let qa = src + pa * pStep;
  let qs = src + ps * pStep;
  for (let x = cx0; x < cx1; x++, o += KS, ia += 16, is += 16, qa += pStep, qs += pStep) {
    const ra = f32x4.splat(load<f32>(ia));
    const ga = f32x4.splat(load<f32>(ia, 4));
    const ba = f32x4.splat(load<f32>(ia, 8));
    const rs = f32x4.splat(load<f32>(is));
    const gs = f32x4.splat(load<f32>(is, 4));
    const bs = f32x4.splat(load<f32>(is, 8));
    for (let v: usize = 0; v < nv; v++) {
      const vam = f32x4.add(f32x4.mul(v128.load(qa + (v << 4)), scale), magic);
      const vsm = f32x4.add(f32x4.mul(v128.load(qs + (v << 4)), scale), magic);
      const va = f32x4.sub(vam, magic);
      const vs = f32x4.sub(vsm, magic);
      const c = o + (v << 4);
      v128.store(c, i32x4.add(v128.load(c), i32x4.sub(vam, vsm)));
      v128.store(c + PS, i32x4.add(v128.load(c + PS), i32x4.sub(f32x4.add(f32x4.mul(va, ra), magic), f32x4.add(f32x4.mul(vs, rs), magic))));
      v128.store(c + 2 * PS, i32x4.add(v128.load(c + 2 * PS), i32x4.sub(f32x4.add(f32x4.mul(va, ga), magic), f32x4.add(f32x4.mul(vs, gs), magic))));
      v128.store(c + 3 * PS, i32x4.add(v128.load(c + 3 * PS), i32x4.sub(f32x4.add(f32x4.mul(va, ba), magic), f32x4.add(f32x4.mul(vs, bs), magic))));
    }
  }
}

// The two horizontal passes run channel vector by channel vector, each sliding
// along the row with its four window sums in registers and the per-pixel
// scalars broadcast straight from memory (few live registers, no spills).

/** Pass-1 horizontal box of COL1 for image row j → (a, b) of columns [ax0, ax1) into its ring slot. */
function coefficientRow(j: i32): void {
  const KS = columnBytes();
  const PS = <usize>CP << 2;
  const nv = <usize>CP >> 2;
  const ring = RING + <usize>(j % (2 * R + 2)) * <usize>(ax1 - ax0) * KS;
  const rowInv = f32x4.splat(<f32>(load<f64>(INVROWS + (<usize>j << 3)) / <f64>SCALE));
  const first = ax0 - cx0;
  const pix = <usize>((j - G0) * W + ax0);
  for (let v: usize = 0; v < nv; v++) {
    const k = v << 4;
    let s = COL1 + <usize>first * KS + k;
    let acc0 = i32x4.splat(0);
    let acc1 = i32x4.splat(0);
    let acc2 = i32x4.splat(0);
    let acc3 = i32x4.splat(0);
    for (let x = 0; x <= 2 * R; x++, s += KS) {
      acc0 = i32x4.add(acc0, v128.load(s));
      acc1 = i32x4.add(acc1, v128.load(s + PS));
      acc2 = i32x4.add(acc2, v128.load(s + 2 * PS));
      acc3 = i32x4.add(acc3, v128.load(s + 3 * PS));
    }
    s = COL1 + <usize>first * KS + k;
    let a = s + <usize>(2 * R + 1) * KS;
    let d = ring + k;
    let mean = MEAN32 + pix * 16;
    let ic = INVCOV32 + pix * 32;
    let invCol = INVCOLS32 + (<usize>ax0 << 2);
    for (let x = ax0; x < ax1; x++, d += KS, a += KS, s += KS, mean += 16, ic += 32, invCol += 4) {
      acc0 = i32x4.add(acc0, i32x4.sub(v128.load(a), v128.load(s)));
      acc1 = i32x4.add(acc1, i32x4.sub(v128.load(a + PS), v128.load(s + PS)));
      acc2 = i32x4.add(acc2, i32x4.sub(v128.load(a + 2 * PS), v128.load(s + 2 * PS)));
      acc3 = i32x4.add(acc3, i32x4.sub(v128.load(a + 3 * PS), v128.load(s + 3 * PS)));
      const inv = f32x4.mul(rowInv, v128.load32_splat(invCol));
      const mr = v128.load32_splat(mean);
      const mg = v128.load32_splat(mean, 4);
      const mb = v128.load32_splat(mean, 8);
      const mp = f32x4.mul(f32x4.convert_i32x4_s(acc0), inv);
      const cr = f32x4.sub(f32x4.mul(f32x4.convert_i32x4_s(acc1), inv), f32x4.mul(mr, mp));
      const cg = f32x4.sub(f32x4.mul(f32x4.convert_i32x4_s(acc2), inv), f32x4.mul(mg, mp));
      const cb = f32x4.sub(f32x4.mul(f32x4.convert_i32x4_s(acc3), inv), f32x4.mul(mb, mp));
      const s01 = v128.load32_splat(ic, 4);
      const s02 = v128.load32_splat(ic, 8);
      const s12 = v128.load32_splat(ic, 16);
      const ar = f32x4.add(f32x4.add(f32x4.mul(v128.load32_splat(ic), cr), f32x4.mul(s01, cg)), f32x4.mul(s02, cb));
      const ag = f32x4.add(f32x4.add(f32x4.mul(s01, cr), f32x4.mul(v128.load32_splat(ic, 12), cg)), f32x4.mul(s12, cb));
      const ab = f32x4.add(f32x4.add(f32x4.mul(s02, cr), f32x4.mul(s12, cg)), f32x4.mul(v128.load32_splat(ic, 20), cb));
      v128.store(d, ar);
      v128.store(d + PS, ag);
      v128.store(d + 2 * PS, ab);
      const bm = f32x4.add(f32x4.add(f32x4.mul(ar, mr), f32x4.mul(ag, mg)), f32x4.mul(ab, mb));
      v128.store(d + 3 * PS, f32x4.sub(mp, bm));
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
      v128.store(col + k, f32x4.add(v128.load(col + k), f32x4.sub(v128.load(ra + k), v128.load(rs + k))));
    }
  } else if (add >= 0) {
    for (let k: usize = 0; k < n; k += 16) v128.store(col + k, f32x4.add(v128.load(col + k), v128.load(ra + k)));
  } else if (sub >= 0) {
    for (let k: usize = 0; k < n; k += 16) v128.store(col + k, f32x4.sub(v128.load(col + k), v128.load(rs + k)));
  }
}

/**
 * Pass-2 horizontal box for row y, q = (mean_aᵀ I' + mean_b) on columns
 * [sx0, sx1) into MSGROW (class-major), then the update of the row's pixels, 4
 * at a time.
 */
function outputRow(y: i32, dst: usize, last: bool): void {
  const KS = columnBytes();
  const PS = <usize>CP << 2;
  const nv = <usize>CP >> 2;
  const stride = <usize>ROWSTRIDE << 2;
  const rowInv = f32x4.splat(<f32>load<f64>(INVROWS + (<usize>y << 3)));
  const first = sx0 - ax0;
  const pix = <usize>((y - G0) * W + sx0);
  for (let v: usize = 0; v < nv; v++) {
    const k = v << 4;
    let s = COL2 + <usize>first * KS + k;
    let acc0 = f32x4.splat(0);
    let acc1 = f32x4.splat(0);
    let acc2 = f32x4.splat(0);
    let acc3 = f32x4.splat(0);
    for (let x = 0; x <= 2 * R; x++, s += KS) {
      acc0 = f32x4.add(acc0, v128.load(s));
      acc1 = f32x4.add(acc1, v128.load(s + PS));
      acc2 = f32x4.add(acc2, v128.load(s + 2 * PS));
      acc3 = f32x4.add(acc3, v128.load(s + 3 * PS));
    }
    s = COL2 + <usize>first * KS + k;
    let a = s + <usize>(2 * R + 1) * KS;
    let img = IMAGE32 + pix * 16;
    let invCol = INVCOLS32 + (<usize>sx0 << 2);
    // Channel 4v of this row; channels past F land in spare rows, never read.
    let m = MSGROW + (v << 2) * stride;
    for (let x = sx0; x < sx1; x++, a += KS, s += KS, img += 16, invCol += 4, m += 4) {
      acc0 = f32x4.add(acc0, f32x4.sub(v128.load(a), v128.load(s)));
      acc1 = f32x4.add(acc1, f32x4.sub(v128.load(a + PS), v128.load(s + PS)));
      acc2 = f32x4.add(acc2, f32x4.sub(v128.load(a + 2 * PS), v128.load(s + 2 * PS)));
      acc3 = f32x4.add(acc3, f32x4.sub(v128.load(a + 3 * PS), v128.load(s + 3 * PS)));
      const sum = f32x4.add(
        f32x4.add(f32x4.mul(acc0, v128.load32_splat(img)), f32x4.mul(acc1, v128.load32_splat(img, 4))),
        f32x4.add(f32x4.mul(acc2, v128.load32_splat(img, 8)), acc3),
      );
      const q = f32x4.mul(sum, f32x4.mul(rowInv, v128.load32_splat(invCol)));
      v128.store32_lane(m, q, 0);
      v128.store32_lane(m + stride, q, 1);
      v128.store32_lane(m + 2 * stride, q, 2);
      v128.store32_lane(m + 3 * stride, q, 3);
    }
  }
  const pStep = <usize>L << 2;
  const u = UNARYT + <usize>((y - G0) * ((W + 3) >> 2) + (sx0 >> 2)) * (<usize>L << 4);
  const out = dst + pix * pStep;
  const labels = LABELS + <usize>((y - Y0) * W + sx0);
  for (let x = 0; x < sx1 - sx0; x += 4) {
    const o = <usize>x * pStep;
    updateGroup(x, min(4, sx1 - sx0 - x), u + (<usize>x << 2) * <usize>L, out + o, labels + <usize>x, last);
  }
}
