// Geometry, weights and buffer addresses of one band, set by the host before
// each run. All buffers live in this instance's memory; the host lays them out.

/** Image height and width, window radius, classes, filtered channels F and F rounded up to even. */
export let H: i32 = 0;
export let W: i32 = 0;
export let R: i32 = 0;
export let L: i32 = 0;
export let F: i32 = 0;
export let CP: i32 = 0;
/** Classes rounded up to even (vectors of 2 classes). */
export let LP: i32 = 0;
/** Local rows [G0, G1) are stored; output rows are [Y0, Y1). */
export let G0: i32 = 0;
export let G1: i32 = 0;
export let Y0: i32 = 0;
export let Y1: i32 = 0;
/** Output columns per strip. */
export let STRIP: i32 = 0;

/** Pairwise weight w, w·λ (0 = Potts), guided-filter ε. */
export let WPAIR: f64 = 0;
export let WLAMBDA: f64 = 0;
export let EPS: f64 = 0;

// Band maps (local rows, HWC): image f64×3, mean f64×3, invCov f64×6, unary f32×L.
export let IMAGE: usize = 0;
export let MEAN: usize = 0;
export let INVCOV: usize = 0;
export let UNARY: usize = 0;
/** 1/count per image row (H values) and per column (W values). */
export let INVROWS: usize = 0;
export let INVCOLS: usize = 0;
/** ĝ per class, LP values (padding 0). */
export let LOGP: usize = 0;
// Scratch: pass-1 and pass-2 column sums, ring of pass-1 rows, accumulator, per-pixel message and scores.
export let COL1: usize = 0;
export let COL2: usize = 0;
export let RING: usize = 0;
export let ACC: usize = 0;
export let MSG: usize = 0;
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
  CP = (F + 1) & ~1;
  LP = (l + 1) & ~1;
  G0 = g0;
  G1 = g1;
  Y0 = y0;
  Y1 = y1;
  STRIP = strip;
}

/** Sets the weights of the update and the filter's ε. */
export function setWeights(w: f64, wLambda: f64, eps: f64): void {
  WPAIR = w;
  WLAMBDA = wLambda;
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

/** Sets the scratch addresses (16-byte aligned). */
export function setScratch(col1: usize, col2: usize, ring: usize, acc: usize, msg: usize, scores: usize, moments: usize): void {
  COL1 = col1;
  COL2 = col2;
  RING = ring;
  ACC = acc;
  MSG = msg;
  SCORES = scores;
  MOMENTS = moments;
}
