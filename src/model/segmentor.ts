/**
 * The network of docs/method.md §1: backbone → dense head (D) and, for the joint
 * variant, global head (g); unary U = D + g broadcast, upsampled to the image.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { OnnxGraph } from '../onnx/graph';
import type { ModelConfig } from './model_config';
import { Rng } from '../util/rng';
import { Backbone, BACKBONES } from './backbones';
import { DENSE_HEADS, DenseHead, GLOBAL_HEADS, GlobalHead } from './heads';
import { resizeBilinear } from './layers/upsample';
import { ForwardContext, Module } from './module';
import type { Segmentor, SegmentorOutput } from './types';

/**
 * Segmentation network assembled by name from a model config. Children:
 * `backbone`, `denseHead`, and `clsHead` (joint variant only), so weights are
 * named e.g. `backbone.conv1_1.weight`, `denseHead.fc6.bias`, `clsHead.fc1.weight`.
 */
export class GuidedSegmentor extends Module implements Segmentor {
  readonly backbone: Backbone;
  readonly denseHead: DenseHead;
  /** The global branch; null for the `baseline` variant. */
  readonly clsHead: GlobalHead | null;
  /** Input pixels per feature pixel (the backbone's output stride). */
  readonly outputStride: number;
  private readonly mean: [number, number, number];
  private readonly invStd: [number, number, number];

  /**
   * @param config validated model config: `backbone.type`, `denseHead.type` and
   *   `clsHead.type` pick registered components; `variant` `joint` builds the
   *   global branch, `baseline` omits it; `normalize` is applied in `forward`
   * @param rng generator all weights are drawn from, in construction order
   *   (backbone, dense head, global head)
   */
  constructor(
    readonly config: ModelConfig,
    rng: Rng,
  ) {
    super();
    this.backbone = this.addChild('backbone', BACKBONES.get(config.backbone.type).build(config.backbone, rng));
    this.outputStride = this.backbone.outputStride;
    const features = { numClasses: config.numClasses, inChannels: this.backbone.outChannels, outputStride: this.outputStride };
    this.denseHead = this.addChild('denseHead', DENSE_HEADS.get(config.denseHead.type).build({ ...features, config: config.denseHead }, rng));
    this.clsHead =
      config.variant === 'joint'
        ? this.addChild('clsHead', GLOBAL_HEADS.get(config.clsHead.type).build({ ...features, config: config.clsHead }, rng))
        : null;
    this.mean = [...config.normalize.mean];
    this.invStd = config.normalize.std.map((s) => 1 / s) as [number, number, number];
  }

  /**
   * Runs both branches on `images` [B, H, W, 3], RGB 0..255 float32, any size.
   * Returns D [B, ceil(H/s), ceil(W/s), L] and g [B, L] (null for the baseline).
   */
  forward(images: tf.Tensor4D, ctx: ForwardContext): SegmentorOutput {
    return tf.tidy(() => {
      const features = this.features(images, ctx);
      const dense = this.denseHead.forward(features, ctx);
      const global = this.clsHead ? this.clsHead.forward(features, ctx) : null;
      return { dense, global } as unknown as tf.TensorContainerObject;
    }) as unknown as SegmentorOutput;
  }

  /** The backbone's feature map F of `images` [B, H, W, 3] (RGB 0..255; normalized here). */
  features(images: tf.Tensor4D, ctx: ForwardContext): tf.Tensor4D {
    if (images.rank !== 4 || images.shape[3] !== 3) {
      throw new Error(`segmentor input must be [batch, height, width, 3], got [${images.shape.join(', ')}]`);
    }
    return tf.tidy(() => {
      const x = tf.mul(tf.sub(images, tf.tensor1d(this.mean)), tf.tensor1d(this.invStd)) as tf.Tensor4D;
      return this.backbone.forward(x, ctx);
    });
  }

  /**
   * U = D + g (broadcast over positions; D alone when `global` is null),
   * bilinearly upsampled to [B, height, width, L].
   *
   * Alignment: feature pixel j is centred on input pixel s*j (every stride-2
   * layer pads symmetrically), so when `height` x `width` is the size the
   * output came from (ceil(height/s) = h, likewise for width) the map is
   * resized to exactly s*h x s*w without corner alignment or half-pixel
   * offsets (source = target / s) and cropped to height x width. For any other
   * size it is resized directly, again without corner alignment.
   */
  unary(out: SegmentorOutput, height: number, width: number): tf.Tensor4D {
    return tf.tidy(() => {
      const [b, h, w, classes] = out.dense.shape;
      const u = out.global ? tf.add(out.dense, tf.reshape(out.global, [b, 1, 1, classes])) : out.dense;
      const s = this.outputStride;
      if (Math.ceil(height / s) !== h || Math.ceil(width / s) !== w) {
        return resizeBilinear(u as tf.Tensor4D, [height, width]);
      }
      const full = resizeBilinear(u as tf.Tensor4D, [h * s, w * s]);
      if (h * s === height && w * s === width) return full;
      return tf.slice(full, [0, 0, 0, 0], [-1, height, width, -1]);
    });
  }

  toOnnx(g: OnnxGraph, image: string, size: string): { unary: string; global: string | null } {
    // Normalized after the transpose: ONNX Runtime broadcasts a [3, 1, 1] constant over NCHW 4× faster than a [3] one over NHWC.
    const nchw = g.op('Transpose', [image], { perm: { ints: [0, 3, 1, 2] } }, 'nchw');
    const centred = g.op('Sub', [nchw, g.floats('normalize.mean', this.mean, [3, 1, 1])], {}, 'normalize.sub');
    const x = g.op('Mul', [centred, g.floats('normalize.invStd', this.invStd, [3, 1, 1])], {}, 'normalize');
    const features = this.backbone.toOnnx(g, x, 'backbone');
    const dense = this.denseHead.toOnnx(g, features, 'denseHead');
    const global = this.clsHead ? this.clsHead.toOnnx(g, features, 'clsHead') : null;
    const fused = global ? g.op('Add', [dense, g.op('Unsqueeze', [global, g.int64s([2, 3])], {}, 'g.nchw')], {}, 'u') : dense;
    // Upsampled in NHWC: the class axis last, as the CRF and the ensemble read it.
    const u = g.op('Transpose', [fused], { perm: { ints: [0, 2, 3, 1] } }, 'u.nhwc');
    // The alignment rule of `unary`: ×s and a crop when ceil(size/s) is the map's size on both axes, else straight to `size`.
    const shape = g.op('Shape', [u], {}, 'u.shape');
    const hw = g.op('Slice', [shape, g.int64s([1]), g.int64s([3])], {}, 'u.hw');
    const s = this.outputStride;
    const fits = g.op('Equal', [g.op('Div', [g.op('Add', [size, g.int64s([s - 1])], {}, 'size.up'), g.int64s([s])], {}, 'size.ceil'), hw], {}, 'fits');
    const both = g.op('And', [g.op('Gather', [fits, g.int64s([0])], { axis: { i: 0 } }, 'fits.h'), g.op('Gather', [fits, g.int64s([1])], { axis: { i: 0 } }, 'fits.w')], {}, 'fits.both');
    const target = g.op('Where', [both, g.op('Mul', [hw, g.int64s([s])], {}, 'hw.strided'), size], {}, 'resize.hw');
    const sizes = g.op('Concat', [g.op('Slice', [shape, g.int64s([0]), g.int64s([1])], {}, 'u.n'), target, g.op('Slice', [shape, g.int64s([3]), g.int64s([4])], {}, 'u.l')], { axis: { i: 0 } }, 'resize.sizes');
    const resized = g.op('Resize', [u, '', '', sizes], { mode: { s: 'linear' }, coordinate_transformation_mode: { s: 'asymmetric' } }, 'u.resized');
    const unary = g.op('Slice', [resized, g.int64s([0, 0]), size, g.int64s([1, 2])], {}, 'u.cropped');
    return { unary, global };
  }

  /** Spatial size [h, w] of D (and of the feature map) for an input of `height` x `width`. */
  featureSize(height: number, width: number): [number, number] {
    const { height: h, width: w } = BACKBONES.get(this.config.backbone.type).analyze(this.config.backbone, height, width);
    return [h, w];
  }
}
