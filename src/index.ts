/** guideseg: semantic segmentation guided by image classification. */
export { load } from './api';
export type { ImageInput, LoadOptions, SegmentOptions, SegmentationResult, Segmenter } from './api';
export type { CrfSettings } from './crf/settings';
