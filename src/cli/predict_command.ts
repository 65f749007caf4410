/** `guideseg predict`: segments images and writes label maps and overlays. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Command, Option } from 'commander';
import { load } from '../api';
import { overlay, readImage, writeImagePng, writeLabelPng } from '../data/image_io';
import type { BackendName } from '../config/schema';
import { backendOption, nonNegativeNumber, numberList, resolveCheckpoint } from './common';

const IMAGE_EXTENSIONS = new Set(['.png', '.jpg', '.jpeg', '.webp', '.bmp', '.tif', '.tiff']);

interface PredictCliOptions {
  checkpoint: string;
  out: string;
  scales: number[];
  flip?: boolean;
  combine: 'avg' | 'max' | 'avgmax';
  alpha: number;
  backend: BackendName;
}

/** Image files named by the arguments (files as they are, folders by extension). */
export function listImages(inputs: string[]): string[] {
  const files: string[] = [];
  for (const input of inputs) {
    if (!fs.existsSync(input)) throw new Error(`${input}: no such file or folder`);
    if (fs.statSync(input).isDirectory()) {
      for (const name of fs.readdirSync(input).sort()) {
        if (IMAGE_EXTENSIONS.has(path.extname(name).toLowerCase())) files.push(path.join(input, name));
      }
    } else files.push(input);
  }
  if (!files.length) throw new Error(`no images found in ${inputs.join(', ')}`);
  return files;
}

export function predictCommand(): Command {
  return new Command('predict')
    .description(
      'Segment images. For each input writes <out>/<name>.png (the label map as a palette PNG whose ' +
        'indices are class ids) and <name>_overlay.png (class colours blended over the image).',
    )
    .argument('<inputs...>', 'image files or folders of images')
    .requiredOption('-k, --checkpoint <dir>', 'model folder (model.json) or a training work dir')
    .requiredOption('-o, --out <dir>', 'output folder (created)')
    .option('--scales <list>', 'test-time scales, e.g. 1.2,1,0.8', numberList, [1])
    .option('--flip', 'also run each scale on the flipped image')
    .addOption(new Option('--combine <mode>', 'how candidates are combined').choices(['avg', 'max', 'avgmax']).default('avg'))
    .option('--alpha <a>', 'opacity of the class colours in the overlay (0..1)', nonNegativeNumber, 0.5)
    .option('--backend <name>', 'tfjs backend: wasm (default), cpu, tensorflow, auto', backendOption, 'wasm')
    .action(async (inputs: string[], o: PredictCliOptions) => {
      const files = listImages(inputs);
      const segmenter = await load(resolveCheckpoint(o.checkpoint), { backend: o.backend });
      try {
        for (const file of files) {
          const image = await readImage(file);
          const result = await segmenter.segment(image, {
            ensemble: { scales: o.scales, flip: Boolean(o.flip), combine: o.combine },
          });
          const base = path.join(o.out, path.basename(file, path.extname(file)));
          await writeLabelPng(`${base}.png`, result.labels, result.width, result.height, segmenter.palette);
          const blended = overlay(image.data, result.labels, segmenter.palette, Math.min(o.alpha, 1));
          await writeImagePng(`${base}_overlay.png`, blended, result.width, result.height);
          process.stdout.write(`${file} -> ${base}.png, ${base}_overlay.png\n`);
        }
      } finally {
        segmenter.dispose();
      }
    });
}
