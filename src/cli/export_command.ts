/** `guideseg export`: a model's network as a standard ONNX file. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Command } from 'commander';
import type { BackendName } from '../engine/backend';
import { sha256 } from '../model/checkpoint_io';
import { exportOnnx } from '../model/onnx_export';
import { isOnnxCacheFile, onnxCacheKey } from '../model/onnx_cache';
import { loadCheckpoint } from '../model/serialization';
import { shippedModelDir } from '../model/shipped';
import { resolveCheckpoint } from '../train/run_folder';
import { checkOutputFile, writeFileAtomic } from '../util/atomic_write';
import { packageVersion } from '../util/package_root';
import { backendOption, startBackend } from './common';

interface ExportCliOptions {
  checkpoint?: string;
  out: string;
  backend: BackendName;
}

export function exportCommand(): Command {
  return new Command('export')
    .description(
      'Write the network of a model as an ONNX file (opset 17): input `image` [N, H, W, 3] RGB 0..255 and `size` [2] ' +
        '(int64 height, width of the unary), outputs `unary` U [N, height, width, L] and, for joint models, `global` g [N, L]; ' +
        'N, H and W dynamic, input normalization in the graph, class names in the metadata.',
    )
    .option('-k, --checkpoint <dir>', 'model folder (model.json) or a training work dir; default: the shipped CamVid model')
    .requiredOption('-o, --out <file>', 'ONNX file to write (atomically; never over the checkpoint\'s own files)')
    .option('--backend <name>', 'tfjs backend that reads the weights', backendOption, 'wasm' as BackendName)
    .action(async (o: ExportCliOptions) => {
      const checkpoint = resolveCheckpoint(o.checkpoint ?? shippedModelDir());
      const out = path.resolve(o.out);
      if (path.dirname(out) === checkpoint && !isOnnxCacheFile(path.basename(out)) && fs.existsSync(out)) {
        throw new Error(`--out ${out} is a file of the checkpoint ${checkpoint}`);
      }
      checkOutputFile(out, '--out');
      await startBackend(o.backend, true);
      const { model, metadata } = await loadCheckpoint(checkpoint);
      try {
        const bytes = exportOnnx(model, { version: packageVersion(), classes: metadata?.classes, weightsSha256: onnxCacheKey(checkpoint) });
        await writeFileAtomic(out, bytes);
        process.stdout.write(`exported ${checkpoint} → ${out} (${(bytes.length / 1e6).toFixed(2)} MB, sha256 ${sha256(bytes).slice(0, 16)})\n`);
      } finally {
        model.dispose();
      }
    });
}
