/**
 * Filter gradient by shifted windows, one image at a time:
 * dW[i, j] = Σ_images X_shift(i, j) · dy, a matrix product whose reduction
 * runs over output positions. Each image is zero-padded, split into stride
 * phases and stored channel-major, so the samples tap (i, j) reads form one
 * contiguous column window per channel (the 2-D shift becomes a column
 * offset; positions that wrap into the next row meet zero columns of dy).
 * dy is the right-hand matrix shared by all taps of an image, so the matmul
 * packs it once; windows of several taps are stacked into one product.
 */
import * as tf from '@tensorflow/tfjs-core';
import { ConvGeometry, FilterTap, filterTap, phaseRows } from '../conv_geometry';

/** Windows of several taps are stacked until the product has this many rows (more does not speed it up). */
const STACK_ROWS = 16;
/** Upper bound on a stacked left-hand matrix (floats), to keep memory modest. */
const MAX_STACK_FLOATS = 4 * 1024 * 1024;
/** Skip a tap's all-padding output rows only when that saves at least this fraction. */
const MIN_ROW_SAVING = 1 / 8;

/** dy rows [first, end) a tap reads: the exact range, or all rows when trimming saves little. */
function rowRange(t: FilterTap, outSize: number): [number, number] {
  const saving = (outSize - (t.end - t.first)) / outSize;
  return saving >= MIN_ROW_SAVING ? [t.first, t.end] : [0, outSize];
}

interface TapPlan {
  tap: number;
  th: FilterTap;
  tw: FilterTap;
}

/** Taps grouped by the dy rows they read (each group shares one right-hand matrix). */
function groupTaps(g: ConvGeometry): { groups: Map<string, { range: [number, number]; taps: TapPlan[] }>; empty: number[] } {
  const groups = new Map<string, { range: [number, number]; taps: TapPlan[] }>();
  const empty: number[] = [];
  for (let i = 0; i < g.h.kernel; i++) {
    const th = filterTap(g.h, i);
    for (let j = 0; j < g.w.kernel; j++) {
      const tw = filterTap(g.w, j);
      const tap = i * g.w.kernel + j;
      if (th.end <= th.first || tw.end <= tw.first) {
        empty.push(tap);
        continue;
      }
      const range = rowRange(th, g.h.outSize);
      const key = `${range[0]}:${range[1]}`;
      const group = groups.get(key) ?? { range, taps: [] };
      group.taps.push({ tap, th, tw });
      groups.set(key, group);
    }
  }
  return { groups, empty };
}

/** Multiply-adds the window method performs (padding columns included). */
export function windowMacs(g: ConvGeometry): number {
  const wq = phaseRows(g.w);
  let rows = 0;
  for (const { range, taps } of groupTaps(g).groups.values()) rows += (range[1] - range[0]) * taps.length;
  return rows * wq * g.batch * g.inChannels * g.outChannels;
}

/** Gradients [kh·kw, Cin, Cout] of one image x1 [H, W, Cin] with its dy1 [outH, outW, Cout]. */
function imageTaps(g: ConvGeometry, x1: tf.Tensor3D, dy1: tf.Tensor3D): tf.Tensor3D {
  const { inChannels: cin, outChannels: cout } = g;
  const sh = g.h.stride;
  const sw = g.w.stride;
  const outH = g.h.outSize;
  const hq = phaseRows(g.h);
  const wq = phaseRows(g.w);
  return tf.tidy(() => {
    // One spare phase row so the last shifted window stays inside the buffer.
    const xp = tf.pad(x1, [
      [g.h.padBefore, (hq + 1) * sh - g.h.padBefore - g.h.inSize],
      [g.w.padBefore, wq * sw - g.w.padBefore - g.w.inSize],
      [0, 0],
    ]);
    // Rows (phase_w, channel), columns (phase_h, h, w) of the phase grid; two
    // low-rank transposes, which the backends run much faster than one 5-D one.
    const byRowPhase = sh === 1 ? xp : tf.transpose(tf.reshape(xp, [hq + 1, sh, wq * sw * cin]), [1, 0, 2]);
    const xT = tf.reshape(tf.transpose(tf.reshape(byRowPhase, [sh * (hq + 1) * wq, sw, cin]), [1, 2, 0]), [
      sw * cin,
      sh * (hq + 1) * wq,
    ]) as tf.Tensor2D;
    const phaseLen = (hq + 1) * wq;
    const dyWide = g.w.outSize < wq ? tf.pad(dy1, [[0, 0], [0, wq - g.w.outSize], [0, 0]]) : dy1;
    const dyRows = tf.reshape(dyWide, [outH * wq, cout]) as tf.Tensor2D;

    const perTap: tf.Tensor2D[] = new Array(g.h.kernel * g.w.kernel);
    for (const { range, taps } of groupTaps(g).groups.values()) {
      const [a0, a1] = range;
      const len = (a1 - a0) * wq;
      const rhs = a0 === 0 && a1 === outH ? dyRows : tf.slice(dyRows, [a0 * wq, 0], [len, cout]);
      const chunk = Math.max(1, Math.min(Math.ceil(STACK_ROWS / cin), Math.floor(MAX_STACK_FLOATS / (cin * len))));
      for (let c = 0; c < taps.length; c += chunk) {
        const part = taps.slice(c, c + chunk);
        const windows = part.map(({ th, tw }) => {
          const start = th.phase * phaseLen + (a0 + th.shift) * wq + tw.shift;
          return tf.slice(xT, [tw.phase * cin, start], [cin, len]);
        });
        const lhs = windows.length === 1 ? windows[0] : tf.concat(windows, 0);
        const prod = tf.matMul(lhs, rhs) as tf.Tensor2D;
        // Free the (large) windows now so the next ones reuse their memory.
        tf.dispose(lhs === windows[0] ? windows : [...windows, lhs]);
        part.forEach(({ tap }, k) => (perTap[tap] = part.length === 1 ? prod : tf.slice(prod, [k * cin, 0], [cin, cout])));
      }
      if (rhs !== dyRows) rhs.dispose();
    }
    for (let t = 0; t < perTap.length; t++) if (perTap[t] === undefined) perTap[t] = tf.zeros([cin, cout]);
    return tf.stack(perTap) as tf.Tensor3D;
  });
}

/** dW [kh, kw, Cin, Cout] of the convolution `g` by the window method. */
export function filterGradWindows(g: ConvGeometry, x: tf.Tensor4D, dy: tf.Tensor4D): tf.Tensor4D {
  const { batch, inChannels: cin, outChannels: cout } = g;
  return tf.tidy(() => {
    const images: tf.Tensor3D[] = [];
    for (let b = 0; b < batch; b++) {
      const one = tf.tidy(() => {
        const x1 = batch === 1 ? x : tf.slice(x, [b, 0, 0, 0], [1, -1, -1, -1]);
        const dy1 = batch === 1 ? dy : tf.slice(dy, [b, 0, 0, 0], [1, -1, -1, -1]);
        return imageTaps(
          g,
          tf.reshape(x1, [g.h.inSize, g.w.inSize, cin]) as tf.Tensor3D,
          tf.reshape(dy1, [g.h.outSize, g.w.outSize, cout]) as tf.Tensor3D,
        );
      });
      images.push(one);
    }
    const sum = images.length === 1 ? images[0] : tf.addN(images);
    return tf.reshape(sum, [g.h.kernel, g.w.kernel, cin, cout]) as tf.Tensor4D;
  });
}
