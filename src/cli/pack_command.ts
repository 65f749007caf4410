/** `guideseg pack`: writes a trained model as a small shipped model folder with its provenance. */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Command, Option } from 'commander';
import type { BackendName } from '../engine/backend';
import type { PackedDtype } from '../model/checkpoint_io';
import { isOnnxCacheFile } from '../model/onnx_cache';
import { loadCheckpoint, savePackedModel } from '../model/serialization';
import { backendOption, packageRoot, positiveNumber, startBackend } from './common';
import { resolveCheckpoint, RUN_CONFIG_FILE, runDirOf } from '../train/run_folder';
import { readJsonFileSync } from '../util/json_file';

interface PackCliOptions {
  checkpoint: string;
  out: string;
  dtype: PackedDtype;
  evaluation?: string;
  licence?: string;
  testScale?: number;
  backend: BackendName;
}

/** The commit of the package's checkout, if it is a git checkout. */
function currentCommit(): string | null {
  try {
    return execFileSync('git', ['rev-parse', 'HEAD'], { cwd: packageRoot(), encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return null;
  }
}

export function packCommand(): Command {
  return new Command('pack')
    .description(
      'Write a trained model as a shipped model folder: weights as float16 (or uint8, one affine per tensor), the ' +
        'fitted CRF settings and combination weights, class names and palette, and provenance (training config, ' +
        'commit, evaluation figures, the pretrained weights it started from and their licence).',
    )
    .requiredOption('-k, --checkpoint <dir>', 'model folder (model.json) or a training work dir')
    .requiredOption('-o, --out <dir>', 'folder to write (replaced atomically, keeping other files already in it; never the checkpoint itself)')
    .addOption(new Option('--dtype <type>', 'storage type of the weights').choices(['float16', 'uint8']).default('float16'))
    .option('--evaluation <file>', 'JSON file of evaluation figures to record (e.g. written by `guideseg eval --out`)')
    .option('--test-scale <s>', 'input scale of the single-candidate pipeline (predict, eval and load() without --scales), the one the model was tuned for; stored as testScale', positiveNumber)
    .option('--licence <text>', 'licence of the weights the model started from, as recorded in the provenance')
    .option('--backend <name>', 'tfjs backend', backendOption, 'wasm' as BackendName)
    .action(async (o: PackCliOptions) => {
      const checkpoint = resolveCheckpoint(o.checkpoint);
      const out = path.resolve(o.out);
      if (out === checkpoint || checkpoint.startsWith(out + path.sep)) throw new Error(`--out ${out} would replace the checkpoint ${checkpoint}`);
      const evaluation = o.evaluation ? readJsonFileSync(o.evaluation, 'evaluation JSON') : undefined;
      await startBackend(o.backend);
      const { model, config, metadata } = await loadCheckpoint(checkpoint);
      try {
        // A model whose global branch was refitted elsewhere (refit-cls) was trained in the run its refit record names.
        const refitFrom = (metadata?.globalRefit as { from?: unknown } | undefined)?.from;
        const runDir = runDirOf(checkpoint) ?? (typeof refitFrom === 'string' ? runDirOf(refitFrom) : null);
        const trainingConfig = runDir ? readJsonFileSync(path.join(runDir, RUN_CONFIG_FILE), 'run config') : undefined;
        const pretrained = (config.backbone as { pretrained?: string }).pretrained;
        const provenance = {
          packedFrom: path.relative(packageRoot(), checkpoint),
          ...(runDir ? { trainedIn: path.relative(packageRoot(), runDir) } : {}),
          commit: currentCommit(),
          packedAt: new Date().toISOString(),
          weightsDtype: o.dtype,
          ...(trainingConfig ? { trainingConfig } : {}),
          ...(pretrained ? { startedFrom: { file: path.basename(pretrained), licence: o.licence ?? null } } : {}),
          ...(evaluation !== undefined ? { evaluation } : {}),
        };
        // Files already beside a previous pack (notices, licences) are kept.
        const kept: Record<string, Uint8Array> = {};
        if (fs.existsSync(out)) {
          for (const name of fs.readdirSync(out)) {
            const file = path.join(out, name);
            if (name !== 'model.json' && name !== 'weights.bin' && !isOnnxCacheFile(name) && fs.statSync(file).isFile()) kept[name] = fs.readFileSync(file);
          }
        }
        const testScale = o.testScale !== undefined ? { testScale: o.testScale } : {};
        await savePackedModel(out, model, o.dtype, { ...(metadata ?? {}), ...testScale, provenance }, kept);
        const bytes = fs.statSync(path.join(out, 'weights.bin')).size;
        process.stdout.write(`packed ${checkpoint} → ${out} (${o.dtype}, ${(bytes / 1e6).toFixed(2)} MB of weights)\n`);
      } finally {
        model.dispose();
      }
    });
}
