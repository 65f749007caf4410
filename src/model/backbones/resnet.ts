/**
 * ResNet (depth 18/34 with basic blocks, 50/101 with bottlenecks), BatchNorm
 * after every conv. Stem: 7x7/2 conv + 3x3/2 max pool; four stages of 64,
 * 128, 256, 512 "planes" x width (x4 output channels for bottlenecks), stride
 * 1, 2, 2, 2. To reach output stride 16 the last stage keeps stride 1 with
 * dilation 2; for 8 the last two stages keep stride 1 with dilations 2 and 4.
 * Every block of a dilated stage uses the stage's dilation.
 */
import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '../../util/rng';
import { convFlops, convOutputSize } from '../layers/conv2d';
import { maxPool, maxPoolOnnx } from '../layers/pooling';
import type { OnnxGraph } from '../../onnx/graph';
import { ForwardContext, Module } from '../module';
import { z } from 'zod';
import { Backbone, BackboneAnalysis, registerBackbone, scaledChannels } from './backbone';
import { BasicBlock, blockFlops, Bottleneck, ConvBn, ResBlock, ResBlockSpec } from './resnet_blocks';

/** The `model.backbone` section of `resnet`. */
export const resnetBackboneSchema = z
  .object({
    type: z.literal('resnet'),
    depth: z.union([z.literal(18), z.literal(34), z.literal(50), z.literal(101)]).default(101),
    /** Channel multiplier (1 = 64-128-256-512 stage widths before bottleneck expansion). */
    width: z.number().positive().default(1),
    outputStride: z.union([z.literal(8), z.literal(16)]).default(16),
  })
  .strict();

type ResNetConfig = z.infer<typeof resnetBackboneSchema>;

const BLOCKS_PER_STAGE: Record<ResNetConfig['depth'], number[]> = {
  18: [2, 2, 2, 2],
  34: [3, 4, 6, 3],
  50: [3, 4, 6, 3],
  101: [3, 4, 23, 3],
};
const BASE_PLANES = [64, 128, 256, 512];

/** The layer plan shared by the builder and the FLOP count. */
interface ResNetPlan {
  kind: 'basic' | 'bottleneck';
  stemChannels: number;
  /** Blocks of each stage, in order. */
  stages: ResBlockSpec[][];
}

function resnetPlan(config: ResNetConfig): ResNetPlan {
  const kind = config.depth < 50 ? 'basic' : 'bottleneck';
  const expansion = kind === 'basic' ? BasicBlock.expansion : Bottleneck.expansion;
  const stemChannels = scaledChannels(64, config.width);
  // Stage strides and dilations for the requested output stride.
  const strides = config.outputStride === 16 ? [1, 2, 2, 1] : [1, 2, 1, 1];
  const dilations = config.outputStride === 16 ? [1, 1, 1, 2] : [1, 1, 2, 4];
  let inChannels = stemChannels;
  const stages = BLOCKS_PER_STAGE[config.depth].map((count, s) => {
    const midChannels = scaledChannels(BASE_PLANES[s], config.width);
    const outChannels = midChannels * expansion;
    const blocks: ResBlockSpec[] = [];
    for (let b = 0; b < count; b++) {
      blocks.push({ inChannels, midChannels, outChannels, stride: b === 0 ? strides[s] : 1, dilation: dilations[s] });
      inChannels = outChannels;
    }
    return blocks;
  });
  return { kind, stemChannels, stages };
}

/** The blocks of one stage, applied in order. Children `0`, `1`, ... */
class ResStage extends Module {
  private readonly blocks: ResBlock[];

  constructor(kind: 'basic' | 'bottleneck', specs: ResBlockSpec[], rng: Rng) {
    super();
    this.blocks = specs.map((spec, i) =>
      this.addChild(String(i), kind === 'basic' ? new BasicBlock(spec, rng) : new Bottleneck(spec, rng)),
    );
  }

  forward(x: tf.Tensor4D, ctx: ForwardContext): tf.Tensor4D {
    return tf.tidy(() => this.blocks.reduce((h, block) => block.forward(h, ctx), x));
  }

  toOnnx(g: OnnxGraph, x: string, name: string): string {
    return this.blocks.reduce((h, block, i) => block.toOnnx(g, h, `${name}.${i}`), x);
  }
}

/**
 * Dilated ResNet feature extractor. Variables are named e.g.
 * `stem.conv.weight`, `layer3.0.conv2.bn.gamma`, `layer2.0.downsample.conv.weight`.
 */
export class ResNet extends Module implements Backbone {
  readonly outChannels: number;
  readonly outputStride: number;
  private readonly stem: ConvBn;
  private readonly stages: ResStage[];

  /**
   * @param config `backbone` section: `depth` (18, 34, 50, 101), `width`
   *   (channel multiplier) and `outputStride` (8 or 16)
   * @param rng generator the weights are drawn from (He-normal)
   */
  constructor(config: ResNetConfig, rng: Rng) {
    super();
    const plan = resnetPlan(config);
    this.outputStride = config.outputStride;
    this.stem = this.addChild('stem', new ConvBn(3, plan.stemChannels, 7, 2, 1, rng));
    this.stages = plan.stages.map((specs, s) => this.addChild(`layer${s + 1}`, new ResStage(plan.kind, specs, rng)));
    const last = plan.stages[plan.stages.length - 1];
    this.outChannels = last[last.length - 1].outChannels;
  }

  forward(x: tf.Tensor4D, ctx: ForwardContext): tf.Tensor4D {
    return tf.tidy(() => {
      const stem = maxPool(tf.relu(this.stem.forward(x, ctx)), 3, 2, 1);
      return this.stages.reduce((h, stage) => stage.forward(h, ctx), stem);
    });
  }

  toOnnx(g: OnnxGraph, x: string, name: string): string {
    const stem = g.op('Relu', [this.stem.toOnnx(g, x, `${name}.stem`)], {}, `${name}.stem.relu`);
    const pooled = maxPoolOnnx(g, stem, 3, 2, 1, `${name}.stem.pool`);
    return this.stages.reduce((h, stage, s) => stage.toOnnx(g, h, `${name}.layer${s + 1}`), pooled);
  }
}

/** Feature shape and conv FLOPs of the ResNet for one `height` x `width` image. */
function analyzeResNet(config: ResNetConfig, height: number, width: number): BackboneAnalysis {
  const plan = resnetPlan(config);
  let h = convOutputSize(height, 7, 2, 1, 'same');
  let w = convOutputSize(width, 7, 2, 1, 'same');
  let flops = convFlops(h, w, 7, 3, plan.stemChannels);
  h = convOutputSize(h, 3, 2, 1, 1);
  w = convOutputSize(w, 3, 2, 1, 1);
  let channels = plan.stemChannels;
  for (const spec of plan.stages.flat()) {
    const block = blockFlops(plan.kind, spec, h, w);
    ({ height: h, width: w } = block);
    flops += block.flops;
    channels = spec.outChannels;
  }
  return { height: h, width: w, channels, flops };
}

registerBackbone('resnet', {
  schema: resnetBackboneSchema,
  build: (config, rng) => new ResNet(config, rng),
  analyze: (config, height, width) => analyzeResNet(config, height, width),
});
