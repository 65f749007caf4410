/** The per-image data of the guided filter, shared by the exact filter, the fast filter and the CRF kernels. */

/** Per-image data of the guided filter. All maps are row-major HWC. */
export interface Guide {
  height: number;
  width: number;
  /** Window radius r: windows are (2r+1)x(2r+1). */
  radius: number;
  /** Regularization ε added to the window covariance (0..255 scale). */
  eps: number;
  /** 1 = exact filter; s > 1 = fast guided filter computing a, b on an s-times subsampled grid. */
  subsample: number;
  /** The guide image, 3 channels, 0..255. */
  image: Float32Array;
  /** Window means μ_k of the image (3 channels); empty when subsample > 1. */
  mean: Float64Array;
  /** (Σ_k + εI)⁻¹ per pixel, symmetric, stored as [00, 01, 02, 11, 12, 22]; empty when subsample > 1. */
  invCov: Float64Array;
  /** Box normalization factors 1/count per row and per column. */
  invCountRows: Float64Array;
  invCountCols: Float64Array;
  /** Fast mode only: the exact guide of the block-averaged image (radius max(1, round(r/s))). */
  low: Guide | null;
  /** Fast mode only: bilinear upsampling tables from the low grid (lower index, weight of the upper one). */
  upRows: { index: Int32Array; frac: Float64Array } | null;
  upCols: { index: Int32Array; frac: Float64Array } | null;
}

/**
 * Supplies the guide's big maps by name (`image`, `mean`, `invCov`, and the same
 * prefixed `low.` for the fast filter's low grid), e.g. to reuse buffers.
 */
export type GuideAllocator = (name: string, length: number, type: 'float32' | 'float64') => Float32Array | Float64Array;
