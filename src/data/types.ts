/** One labelled image as plain typed arrays (what every dataset returns). */
export interface Sample {
  /** Identifier, usually the image file's base name. */
  name: string;
  height: number;
  width: number;
  /** RGB, row-major, height*width*3 values in 0..255. */
  image: Uint8Array;
  /** Class ids, height*width values; 255 = ignore. */
  label: Uint8Array;
}

/** Ignore label: pixels with it count neither in the loss nor in the metrics. */
export const IGNORE_INDEX = 255;

/** A split of a data set: a fixed, indexable list of samples. */
export interface Dataset {
  /** Registered name of the data set type, e.g. `camvid`. */
  readonly type: string;
  /** Split name, e.g. `train`. */
  readonly split: string;
  /** Class names; ids are indices into this list. */
  readonly classes: readonly string[];
  /** Display colour of each class, [r, g, b] 0..255. */
  readonly palette: ReadonlyArray<readonly [number, number, number]>;
  readonly length: number;
  /** Loads sample `index` (0-based). Errors name the offending file. */
  get(index: number): Promise<Sample>;
}
