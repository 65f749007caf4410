/** onnxruntime-node, loaded on first use, so guideseg runs without it (on tfjs). */
import type { OrtModule } from './network';

let ort: OrtModule | null | undefined;

/** onnxruntime-node, or null where it is not installed (or cannot load). */
export function onnxRuntime(): OrtModule | null {
  if (ort === undefined) {
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      ort = require('onnxruntime-node') as OrtModule;
    } catch {
      ort = null;
    }
  }
  return ort;
}

/** onnxruntime-node, or an error that says how to get it. */
export function requireOnnxRuntime(): OrtModule {
  const runtime = onnxRuntime();
  if (runtime === null) throw new Error('runtime "onnx": onnxruntime-node is not installed or does not load here (npm install onnxruntime-node), or use --runtime tfjs');
  return runtime;
}
