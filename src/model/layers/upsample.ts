/** Bilinear resizing with a correct gradient on every backend. */
import * as tf from '@tensorflow/tfjs-core';

/**
 * Bilinear resize of `x` [B, h, w, C] to [B, height, width, C] with
 * source = target * (h / height) (no corner alignment, no half-pixel offset),
 * edge-clamped. Differentiable: the gradient is tfjs's ResizeBilinearGrad
 * kernel, given back the input's shape (the `cpu` kernel reports height and
 * width swapped, though its values are laid out correctly).
 *
 * @param x input maps
 * @param size output [height, width]
 */
export function resizeBilinear(x: tf.Tensor4D, size: [number, number]): tf.Tensor4D {
  // customGrad passes inputs and the save function in one untyped rest list.
  const resize = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const input = args[0] as tf.Tensor4D;
    (args[1] as tf.GradSaveFunc)([input]);
    return {
      value: tf.image.resizeBilinear(input, size, false, false),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const images = saved[0];
        const grad = tf.engine().runKernel(tf.ResizeBilinearGrad, { images, dy }, {
          alignCorners: false,
          halfPixelCenters: false,
        }) as tf.Tensor;
        return tf.reshape(grad, images.shape);
      },
    };
  });
  return resize(x) as tf.Tensor4D;
}
