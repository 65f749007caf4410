/**
 * Bilinear resizing of an RGB image on typed arrays, as `tf.image.resizeBilinear`
 * without corner alignment or half-pixel centres (source = target · in/out,
 * clamped at the last row and column), so candidates are made the same way
 * with or without tfjs (test/ensemble/resize.test.ts).
 */

/** `image` (H·W·3, RGB 0..255) resized to `outHeight` × `outWidth`, float32. */
export function resizeRgbBilinear(image: ArrayLike<number>, height: number, width: number, outHeight: number, outWidth: number): Float32Array {
  const out = new Float32Array(outHeight * outWidth * 3);
  const sy = height / outHeight;
  const sx = width / outWidth;
  const x0 = new Int32Array(outWidth);
  const x1 = new Int32Array(outWidth);
  const fx = new Float64Array(outWidth);
  for (let x = 0; x < outWidth; x++) {
    const src = sx * x;
    x0[x] = Math.floor(src);
    x1[x] = Math.min(width - 1, Math.ceil(src));
    fx[x] = src - x0[x];
  }
  for (let y = 0; y < outHeight; y++) {
    const src = sy * y;
    const y0 = Math.floor(src);
    const y1 = Math.min(height - 1, Math.ceil(src));
    const fy = src - y0;
    const top = y0 * width * 3;
    const bottom = y1 * width * 3;
    let o = y * outWidth * 3;
    for (let x = 0; x < outWidth; x++, o += 3) {
      const a = x0[x] * 3;
      const b = x1[x] * 3;
      const f = fx[x];
      for (let c = 0; c < 3; c++) {
        const t = image[top + a + c] + (image[top + b + c] - image[top + a + c]) * f;
        const u = image[bottom + a + c] + (image[bottom + b + c] - image[bottom + a + c]) * f;
        out[o + c] = t + (u - t) * fy;
      }
    }
  }
  return out;
}
