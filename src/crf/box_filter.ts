/**
 * Normalized box mean over (2r+1)x(2r+1) windows clipped at the image border:
 * each output is the mean of the in-image pixels of its window (He et al.'s
 * convention). Running sums make it O(1) per pixel whatever r.
 */

/** `1 / (number of in-range positions of the window at i)` for i in 0..n-1. */
export function inverseWindowCounts(n: number, r: number): Float64Array {
  const inv = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const lo = Math.max(0, i - r);
    const hi = Math.min(n - 1, i + r);
    inv[i] = 1 / (hi - lo + 1);
  }
  return inv;
}

/**
 * Box mean of an HWC map with `channels` interleaved channels. Sums run in
 * float64; `out` (same length as `src`, not `src` itself) defaults to a new
 * array of src's type.
 */
export function boxFilter<T extends Float32Array | Float64Array>(
  src: T,
  height: number,
  width: number,
  channels: number,
  r: number,
  out?: Float32Array | Float64Array,
): T {
  const H = height;
  const W = width;
  const C = channels;
  if (src.length !== H * W * C) {
    throw new Error(`boxFilter: input has ${src.length} values, expected ${H}x${W}x${C}`);
  }
  if (!Number.isInteger(r) || r < 0) throw new Error(`boxFilter: radius must be a non-negative integer, got ${r}`);
  const dst = (out ?? new (src.constructor as { new (n: number): T })(src.length)) as T;
  if (dst.length !== src.length) throw new Error(`boxFilter: output has ${dst.length} values, expected ${src.length}`);
  if (dst.buffer === src.buffer) throw new Error('boxFilter: cannot filter in place (out shares the input buffer)');
  const invRows = inverseWindowCounts(H, r);
  const invCols = inverseWindowCounts(W, r);
  const rowLen = W * C;
  const col = new Float64Array(rowLen);
  const acc = new Float64Array(C);
  // Vertical sums of the window of row 0.
  for (let y = 0; y <= Math.min(r, H - 1); y++) {
    const o = y * rowLen;
    for (let k = 0; k < rowLen; k++) col[k] += src[o + k];
  }
  for (let y = 0; y < H; y++) {
    acc.fill(0);
    for (let x = 0; x <= Math.min(r, W - 1); x++) {
      const o = x * C;
      for (let c = 0; c < C; c++) acc[c] += col[o + c];
    }
    const invRow = invRows[y];
    const outRow = y * rowLen;
    for (let x = 0; x < W; x++) {
      const inv = invRow * invCols[x];
      const o = outRow + x * C;
      for (let c = 0; c < C; c++) dst[o + c] = acc[c] * inv;
      const add = x + r + 1 < W ? (x + r + 1) * C : -1;
      const sub = x - r >= 0 ? (x - r) * C : -1;
      if (add >= 0) for (let c = 0; c < C; c++) acc[c] += col[add + c];
      if (sub >= 0) for (let c = 0; c < C; c++) acc[c] -= col[sub + c];
    }
    // Slide the vertical window down one row.
    if (y + r + 1 < H) {
      const o = (y + r + 1) * rowLen;
      for (let k = 0; k < rowLen; k++) col[k] += src[o + k];
    }
    if (y - r >= 0) {
      const o = (y - r) * rowLen;
      for (let k = 0; k < rowLen; k++) col[k] -= src[o + k];
    }
  }
  return dst;
}

/**
 * Mean over s×s blocks (partial blocks at the border average their in-image
 * pixels) of an HWC map, for rows `[ly0, ly1)` of the low grid. The source may
 * hold `srcStride` ≥ C values per pixel (its first C are averaged); `out` has C.
 */
export function blockAverage<T extends Float32Array | Float64Array>(
  src: Float32Array | Float64Array,
  H: number,
  W: number,
  C: number,
  s: number,
  out: T,
  ly0 = 0,
  ly1 = Math.ceil(H / s),
  srcStride = C,
): T {
  const Wl = Math.ceil(W / s);
  for (let ly = ly0; ly < ly1; ly++) {
    const yEnd = Math.min(H, (ly + 1) * s);
    const o = ly * Wl * C;
    out.fill(0, o, o + Wl * C);
    for (let y = ly * s; y < yEnd; y++) {
      let si = y * W * srcStride;
      for (let x = 0; x < W; x++, si += srcStride) {
        const d = o + Math.floor(x / s) * C;
        for (let c = 0; c < C; c++) out[d + c] += src[si + c];
      }
    }
    for (let lx = 0; lx < Wl; lx++) {
      const inv = 1 / ((yEnd - ly * s) * (Math.min(W, (lx + 1) * s) - lx * s));
      const d = o + lx * C;
      for (let c = 0; c < C; c++) out[d + c] *= inv;
    }
  }
  return out;
}
