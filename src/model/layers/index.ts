/** Building blocks of the networks. */
export { Conv2d, convOutputSize, convFlops } from './conv2d';
export type { Conv2dLayerOptions } from './conv2d';
export { DepthwiseConv2d, depthwiseFlops } from './depthwise_conv2d';
export { Linear, linearFlops } from './linear';
export { BatchNorm2d, setBatchStatistics } from './batchnorm';
export type { BatchNormOptions } from './batchnorm';
export { localBatchStatistics, groupedBatchStatistics } from './batch_statistics';
export type { BatchStatistics, BatchStatisticsFn } from './batch_statistics';
export { Dropout } from './dropout';
export { maxPool, adaptiveMaxPool, adaptiveWindows } from './pooling';
export { initWeight, normalTensor } from './init';
export type { WeightInit } from './init';
export { resizeBilinear } from './upsample';
