/**
 * A guideseg model as a standard ONNX file (opset 17): the network of
 * docs/method.md §1 in inference mode, input normalization included.
 *   inputs:  `image` [N, H, W, 3] float32 RGB 0..255 (NHWC, as guideseg's images),
 *            `size`  [2] int64: height and width of the unary (usually H, W)
 *   outputs: `unary` [N, height, width, L] U = D + g upsampled (class axis last),
 *            `global` [N, L] g (joint models only)
 * N, H and W are dynamic. The metadata names the classes and the weights the
 * file was made from (`weightsSha256`), so a stale copy is detected.
 */
import { OnnxGraph } from '../onnx/graph';
import { encodeModel } from '../onnx/proto';
import type { Segmentor } from './types';

/** What the ONNX file's metadata records about its model. */
export interface OnnxExportInfo {
  /** Class names, in class-index order. */
  classes?: string[];
  /** SHA-256 of the checkpoint's weights, to tell a stale export. */
  weightsSha256?: string;
  /** guideseg's version. */
  version: string;
}

/** Names of the graph's inputs and outputs. */
export const ONNX_IO = { image: 'image', size: 'size', unary: 'unary', global: 'global' } as const;

/** The ONNX model bytes of `model`. */
export function exportOnnx(model: Segmentor, info: OnnxExportInfo): Uint8Array {
  const g = new OnnxGraph();
  const L = model.config.numClasses;
  const image = g.input(ONNX_IO.image, ['batch', 'height', 'width', 3]);
  const size = g.input(ONNX_IO.size, [2], 'int64');
  const { unary, global } = model.toOnnx(g, image, size);
  g.output(unary, ONNX_IO.unary, ['batch', 'out_height', 'out_width', L]);
  if (global) g.output(global, ONNX_IO.global, ['batch', L]);
  const metadata: Record<string, string> = {
    format: 'guideseg-onnx',
    model: model.config.name,
    variant: model.config.variant,
    numClasses: String(L),
    normalization: 'in the graph: (image - mean) / std of the model config',
    modelConfig: JSON.stringify(model.config),
  };
  if (info.classes) metadata.classes = JSON.stringify(info.classes);
  if (info.weightsSha256) metadata.weightsSha256 = info.weightsSha256;
  const doc = 'guideseg segmentation network: image [N,H,W,3] RGB 0..255 and size [2] (int64) in; unary U [N,height,width,L] and global g [N,L] out.';
  return encodeModel(g.toModel(`guideseg-${model.config.name}`, metadata, info.version, doc));
}
