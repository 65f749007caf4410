/** The segmentation network: layers, backbones, heads, builder, presets, FLOPs and checkpoints. */
export * from './module';
export type { Segmentor, SegmentorOutput } from './types';
export { Registry } from './registry';
export * from './layers';
export * from './backbones';
export * from './heads';
export { GuidedSegmentor } from './segmentor';
export { buildSegmentor } from './build';
export { modelPreset, presetNames, MODEL_PRESETS } from './presets';
export type { DeepPartial, ModelOverrides } from './presets';
export { countFlops, flopBreakdown } from './flops';
export type { FlopCount } from './flops';
export * from './checkpoint-io';
export * from './serialization';
