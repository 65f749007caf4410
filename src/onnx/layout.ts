/** Conversions from guideseg's tfjs layouts (NHWC maps, HWIO kernels) to ONNX's (NCHW, OIHW). */
import type { OnnxAttribute } from './graph';

/** A [kh, kw, in, out] kernel as [out, in, kh, kw]. */
export function hwioToOihw(data: Float32Array, kh: number, kw: number, cin: number, cout: number): Float32Array {
  const out = new Float32Array(data.length);
  for (let y = 0; y < kh; y++) {
    for (let x = 0; x < kw; x++) {
      for (let i = 0; i < cin; i++) {
        const src = ((y * kw + x) * cin + i) * cout;
        for (let o = 0; o < cout; o++) out[((o * cin + i) * kh + y) * kw + x] = data[src + o];
      }
    }
  }
  return out;
}

/**
 * ONNX padding attributes of a guideseg padding: `same` is d·(k−1)/2 on every
 * side, `tf-same` TensorFlow's SAME (the extra pixel after: ONNX's SAME_UPPER),
 * `valid` none, a number that many pixels on every side.
 */
export function onnxPadding(padding: 'same' | 'tf-same' | 'valid' | number, kernelSize: number, dilation: number, stride: number): Record<string, OnnxAttribute> {
  // At stride 1 TensorFlow's SAME pads d·(k−1)/2 on each side (odd k), which ONNX Runtime takes with dilation too.
  if (padding === 'tf-same' && stride !== 1) {
    if (dilation !== 1) throw new Error(`ONNX export: TensorFlow SAME padding at stride ${stride} with dilation ${dilation} has no ONNX form`);
    return { auto_pad: { s: 'SAME_UPPER' } };
  }
  if (padding === 'tf-same') padding = 'same';
  const p = padding === 'same' ? (dilation * (kernelSize - 1)) / 2 : padding === 'valid' ? 0 : padding;
  return { pads: { ints: [p, p, p, p] } };
}
