/** The data part: data sets, image and label IO, transforms and the batch loader (plain typed arrays). */
export * from './types';
export * from './palette';
export * from './png';
export * from './image_io';
export * from './transforms';
export * from './loader';
export * from './seed';
export * from './registry';
export { CAMVID_CLASSES, CAMVID_PALETTE, createCamvid } from './datasets/camvid';
export { VOC_CLASSES, VOC_PALETTE, createVoc } from './datasets/voc';
export {
  CONTEXT_AMBIGUOUS_CLASSES,
  CONTEXT_CLASSES,
  CONTEXT_PALETTE,
  CONTEXT_SCENES,
  contextSampleSeed,
  createContext,
  renderContextScene,
} from './datasets/context';
export { PairListDataset } from './datasets/pair_list';
