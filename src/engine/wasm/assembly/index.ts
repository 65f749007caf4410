// Training kernels on f32x4 lanes. Addresses are byte offsets into this
// instance's memory; the host copies the operands in and the result out.

/** First free byte after the module's static data. */
export function heapBase(): usize {
  return __heap_base;
}

/**
 * Depthwise-convolution filter gradient, channel multiplier 1 (NHWC x and
 * dy, [KH, KW, C] out): out[kh, kw, c] += Σ x[b, oh·sh + kh·dh − top,
 * ow·sw + kw·dw − left, c] · dy[b, oh, ow, c] over positions inside the image.
 * `out` must be zeroed by the caller.
 */
export function depthwiseFilterGrad(
  x: usize, dy: usize, out: usize,
  B: i32, H: i32, W: i32, C: i32, OH: i32, OW: i32, KH: i32, KW: i32,
  sh: i32, sw: i32, dh: i32, dw: i32, top: i32, left: i32,
): void {
  const c4 = C & ~3;
  for (let b = 0; b < B; b++) {
    for (let oh = 0; oh < OH; oh++) {
      for (let kh = 0; kh < KH; kh++) {
        const h = oh * sh + kh * dh - top;
        if (h < 0 || h >= H) continue;
        const rowBase = (b * H + h) * W;
        for (let ow = 0; ow < OW; ow++) {
          const dyRow = dy + ((((b * OH + oh) * OW + ow) * C) << 2);
          for (let kw = 0; kw < KW; kw++) {
            const col = ow * sw + kw * dw - left;
            if (col < 0 || col >= W) continue;
            const xp = x + (((rowBase + col) * C) << 2);
            const op = out + (((kh * KW + kw) * C) << 2);
            let c = 0;
            for (; c < c4; c += 4) {
              const o = op + (c << 2);
              v128.store(o, f32x4.add(v128.load(o), f32x4.mul(v128.load(xp + (c << 2)), v128.load(dyRow + (c << 2)))));
            }
            for (; c < C; c++) {
              const o = op + (c << 2);
              store<f32>(o, load<f32>(o) + load<f32>(xp + (c << 2)) * load<f32>(dyRow + (c << 2)));
            }
          }
        }
      }
    }
  }
}

/** ReLU6 gradient in place: dy[i] = 0 unless 0 < x[i] ≤ 6 (tfjs's rule). */
export function relu6Grad(x: usize, dy: usize, n: i32): void {
  const zero = f32x4.splat(0);
  const six = f32x4.splat(6);
  const n4 = n & ~3;
  let i = 0;
  for (; i < n4; i += 4) {
    const v = v128.load(x + (<usize>i << 2));
    const keep = v128.and(f32x4.gt(v, zero), f32x4.le(v, six));
    const p = dy + (<usize>i << 2);
    v128.store(p, v128.and(v128.load(p), keep));
  }
  for (; i < n; i++) {
    const v = load<f32>(x + (<usize>i << 2));
    if (!(v > 0 && v <= 6)) store<f32>(dy + (<usize>i << 2), 0);
  }
}
