/**
 * Filter gradient by exact boxes (stride 1): tap (i, j) only pairs the output
 * positions whose input sample is inside the image, a rectangle of dy with
 * the matching rectangle of x, so no multiply touches padding. Suited to
 * dilated convolutions on small maps, where most of a padded map is zeros.
 * The side with more channels is transposed once and cropped per tap as the
 * left operand; the other side's crop is the right operand.
 */
import * as tf from '@tensorflow/tfjs-core';
import { ConvGeometry, filterTap } from '../conv_geometry';

interface Box {
  tap: number;
  /** Output rows/cols [a0, a1) × [q0, q1); input box starts at (h0, w0). */
  a0: number;
  a1: number;
  q0: number;
  q1: number;
  h0: number;
  w0: number;
}

function boxes(g: ConvGeometry): { list: Box[]; empty: number[] } {
  const list: Box[] = [];
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
      list.push({
        tap,
        a0: th.first,
        a1: th.end,
        q0: tw.first,
        q1: tw.end,
        h0: th.first + i * g.h.dilation - g.h.padBefore,
        w0: tw.first + j * g.w.dilation - g.w.padBefore,
      });
    }
  }
  return { list, empty };
}

/** Multiply-adds the box method performs. */
export function boxMacs(g: ConvGeometry): number {
  let positions = 0;
  for (const b of boxes(g).list) positions += (b.a1 - b.a0) * (b.q1 - b.q0);
  return positions * g.batch * g.inChannels * g.outChannels;
}

/** dW [kh, kw, Cin, Cout] of the stride-1 convolution `g` by the box method. */
export function filterGradBoxes(g: ConvGeometry, x: tf.Tensor4D, dy: tf.Tensor4D): tf.Tensor4D {
  if (g.h.stride !== 1 || g.w.stride !== 1) throw new Error('filterGradBoxes: stride must be 1');
  const { inChannels: cin, outChannels: cout, batch } = g;
  const kh = g.h.kernel;
  const kw = g.w.kernel;
  const dyLeft = cout >= cin;
  return tf.tidy(() => {
    // Left operand source: channel-major copy of the wider side.
    const left = tf.transpose(dyLeft ? dy : x, [3, 0, 1, 2]);
    const [c1, c2] = dyLeft ? [cout, cin] : [cin, cout];
    const { list, empty } = boxes(g);
    const perTap: tf.Tensor2D[] = new Array(kh * kw);
    for (const b of list) {
      const rows = b.a1 - b.a0;
      const cols = b.q1 - b.q0;
      const p = batch * rows * cols;
      const [lh, lw] = dyLeft ? [b.a0, b.q0] : [b.h0, b.w0];
      const [rh, rw] = dyLeft ? [b.h0, b.w0] : [b.a0, b.q0];
      const lhs = tf.reshape(tf.slice(left, [0, 0, lh, lw], [c1, batch, rows, cols]), [c1, p]);
      const rhs = tf.reshape(tf.slice(dyLeft ? x : dy, [0, rh, rw, 0], [batch, rows, cols, c2]), [p, c2]);
      perTap[b.tap] = tf.matMul(lhs, rhs) as tf.Tensor2D;
    }
    for (const t of empty) perTap[t] = tf.zeros([c1, c2]);
    const stacked = tf.stack(perTap);
    const taps = dyLeft ? tf.transpose(stacked, [0, 2, 1]) : stacked;
    return tf.reshape(taps, [kh, kw, cin, cout]) as tf.Tensor4D;
  });
}
