/** `guideseg classify`: runs a published ImageNet weight file as its original classifier (an import check). */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Command } from 'commander';
import type { BackendName } from '../engine/backend';
import { classifyImage, loadImageNetClassifier } from '../weights/imagenet_check';
import { backendOption, positiveInt, startBackend } from './common';
import { listImages } from './predict_command';

interface ClassifyCliOptions {
  weights: string;
  labels?: string;
  top: number;
  backend: BackendName;
}

export function classifyCommand(): Command {
  return new Command('classify')
    .description(
      'Check a pretrained-weight import: run the published ImageNet classifier (a MobileNetV2 .tflite file, or ' +
        'the Tiny Darknet tfjs layers folder) on images resized to 224x224 and print the most probable classes.',
    )
    .argument('<inputs...>', 'image files or folders of images')
    .requiredOption('--weights <file>', 'MobileNetV2 .tflite file, or the Tiny Darknet folder (model.json + shards)')
    .option('--labels <file>', 'ImageNet label file, one class per line, background first (default: imagenet_labels.txt beside the weights)')
    .option('--top <k>', 'classes to print per image', positiveInt, 3)
    .option('--backend <name>', 'tfjs backend', backendOption, 'wasm' as BackendName)
    .action(async (inputs: string[], o: ClassifyCliOptions) => {
      const images = listImages(inputs);
      // The label file sits beside the weight file, or beside the weight folder.
      const weightsDir = path.dirname(path.resolve(o.weights.replace(/[\\/]model\.json$/, '')));
      const labelFile = o.labels ?? path.join(weightsDir, 'imagenet_labels.txt');
      let labels: string[];
      try {
        labels = fs.readFileSync(labelFile, 'utf8').split('\n');
      } catch (err) {
        throw new Error(`cannot read label file ${labelFile}: ${(err as Error).message} (pass --labels)`);
      }
      await startBackend(o.backend);
      const loaded = loadImageNetClassifier(o.weights);
      try {
        for (const image of images) {
          const top = await classifyImage(loaded, image, o.top);
          const text = top.map(({ index, probability }) => `${labels[index + loaded.labelOffset] ?? `class ${index}`} ${(100 * probability).toFixed(1)}%`);
          process.stdout.write(`${path.basename(image)}: ${text.join('; ')}\n`);
        }
      } finally {
        loaded.classifier.dispose();
      }
    });
}
