// Geometry, weights and buffer addresses of one band, set by the host before
// each run. All buffers live in this instance's memory; the host lays them out.

/** Image height and width, window radius, classes, filtered channels F and F rounded up to a multiple of 4. */
export let H: i32 = 0;
export let W: i32 = 0;
export let R: i32 = 0;
export let L: i32 = 0;
export let F: i32 = 0;
export let CP: i32 = 0;
/** Local rows [G0, G1) are stored; output rows are [Y0, Y1). */
export let G0: i32 = 0;
export let G1: i32 = 0;
export let Y0: i32 = 0;
export let Y1: i32 = 0;
/** Output columns per strip. */
export let STRIP: i32 = 0;

/** Pairwise weight w, w·λ (0 = Potts), guided-filter ε. */
export let WPAIR: f32 = 0;
export let WLAMBDA: f32 = 0;
export let EPS: f64 = 0;
/**
 * Fixed-point scale S of pass-1 products (a power of two): |I'·p·S| < 2^22 so
 * the magic-number rounding holds, and (2r+1)²·128·S < 2^31 so window sums fit.
 */
export let SCALE: f32 = 0;

// Band maps (local rows, HWC): image f64×3, mean f64×3, invCov f64×6, unary f32×L;
// the iterations' float32 copies: image and mean centred on 128 (f32×4), invCov f32×8.
export let IMAGE: usize = 0;
export let MEAN: usize = 0;
export let INVCOV: usize = 0;
export let UNARY: usize = 0;
export let IMAGE32: usize = 0;
/** The unary regrouped by initRows: per local row, groups of 4 pixels as L f32x4 (row groups = ceil(W/4)). */
export let UNARYT: usize = 0;
export let MEAN32: usize = 0;
export let INVCOV32: usize = 0;
/** 1/count per image row (H values) and per column (W values). */
export let INVROWS: usize = 0;
export let INVCOLS: usize = 0;
/** 1/count per column as float32 (W values), for the iterations. */
export let INVCOLS32: usize = 0;
/** ĝ per class, L float32 values. */
export let LOGP: usize = 0;
// Scratch: pass-1 and pass-2 column sums, ring of pass-1 rows, a strip row's
// messages (class-major: CP rows of ROWSTRIDE floats), 4 pixels' scores (L vectors).
export let COL1: usize = 0;
export let COL2: usize = 0;
export let RING: usize = 0;
export let MSGROW: usize = 0;
/** Labels of the output rows [Y0, Y1) (written by the last iteration). */
export let LABELS: usize = 0;
/** Floats per MSGROW row (the strip width rounded up to 4). */
export let ROWSTRIDE: i32 = 0;
export let SCORES: usize = 0;
/** Guide statistics scratch: 10 column moments per image column, plus 10 window sums. */
export let MOMENTS: usize = 0;

/** Sets the band geometry (see the host's layout). */
export function setShape(h: i32, w: i32, r: i32, l: i32, g0: i32, g1: i32, y0: i32, y1: i32, strip: i32): void {
  H = h;
  W = w;
  R = r;
  L = l;
  F = l > 1 ? l - 1 : 1;
  CP = (F + 3) & ~3;
  const bound = min<f64>(4194304.0 / 128.0, 2147483648.0 / (128.0 * <f64>((2 * r + 1) * (2 * r + 1))));
  SCALE = <f32>Math.pow(2.0, Math.floor(Math.log2(bound)));
  G0 = g0;
  G1 = g1;
  Y0 = y0;
  Y1 = y1;
  STRIP = strip;
  ROWSTRIDE = (strip + 3) & ~3;
}

/** Sets the weights of the update and the filter's ε. */
export function setWeights(w: f64, wLambda: f64, eps: f64): void {
  WPAIR = <f32>w;
  WLAMBDA = <f32>wLambda;
  EPS = eps;
}

/** Sets the band maps' addresses. */
export function setMaps(image: usize, mean: usize, invCov: usize, unary: usize, invRows: usize, invCols: usize, logP: usize): void {
  IMAGE = image;
  MEAN = mean;
  INVCOV = invCov;
  UNARY = unary;
  INVROWS = invRows;
  INVCOLS = invCols;
  LOGP = logP;
}

/** Sets the float32 copies' addresses (16-byte aligned). */
export function setPacked(image32: usize, mean32: usize, invCov32: usize, invCols32: usize, unaryT: usize): void {
  UNARYT = unaryT;
  INVCOLS32 = invCols32;
  IMAGE32 = image32;
  MEAN32 = mean32;
  INVCOV32 = invCov32;
}

/** Sets the scratch addresses (16-byte aligned). */
export function setScratch(col1: usize, col2: usize, ring: usize, msgRow: usize, scores: usize, moments: usize, labels: usize): void {
  LABELS = labels;
  MSGROW = msgRow;
  COL1 = col1;
  COL2 = col2;
  RING = ring;
  SCORES = scores;
  MOMENTS = moments;
}
