/** `guideseg predict`: segments images and writes label maps and overlays. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Command } from 'commander';
import { load, type SegmentOptions } from '../api';
import { overlay, readImage, writeImagePng, writeLabelPng } from '../data/image_io';
import type { BackendName } from '../engine/backend';
import { addRuntimeOptions, backendOption, nonNegativeNumber, type RuntimeCliOptions } from './common';
import { resolveCheckpoint } from '../train/run_folder';
import { addPipelineOptions, choicesFromOptions, crfOverridesFromOptions, describePipeline, type PipelineCliOptions } from './ensemble_options';
import { resolvePipeline } from '../pipeline/resolve';

const IMAGE_EXTENSIONS = new Set(['.png', '.jpg', '.jpeg', '.webp', '.bmp', '.tif', '.tiff']);

interface PredictCliOptions extends PipelineCliOptions, RuntimeCliOptions {
  checkpoint?: string;
  out: string;
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

/** Where `predict` writes each input's label map and overlay. */
export interface PredictOutput {
  input: string;
  labels: string;
  overlay: string;
}

/**
 * The output files of `files` in `outDir`: `<name>.png` and `<name>_overlay.png`.
 * Two inputs with the same name (other folders or extensions) get `<name>-2`,
 * `<name>-3`, … (`renamed` lists them, to say so); an output that would replace
 * an input file is an error, before anything is written.
 */
export function planOutputs(files: string[], outDir: string): { outputs: PredictOutput[]; renamed: string[] } {
  const taken = new Set<string>();
  const inputs = new Set(files.map((f) => path.resolve(f)));
  const outputs: PredictOutput[] = [];
  const renamed: string[] = [];
  for (const input of files) {
    const name = path.basename(input, path.extname(input));
    let stem = name;
    for (let k = 2; taken.has(stem); k++) stem = `${name}-${k}`;
    if (stem !== name) renamed.push(`${input} → ${stem}.png`);
    taken.add(stem);
    const labels = path.resolve(outDir, `${stem}.png`);
    const overlay = path.resolve(outDir, `${stem}_overlay.png`);
    for (const out of [labels, overlay]) {
      if (inputs.has(out)) throw new Error(`--out ${outDir}: ${out} would replace the input image ${out}; choose another output folder`);
    }
    outputs.push({ input, labels, overlay });
  }
  return { outputs, renamed };
}

/** Segment options from the command line (stored CRF settings apply unless --no-crf). */
export function segmentOptionsFromCli(o: PipelineCliOptions): SegmentOptions {
  const overrides = Object.fromEntries(Object.entries(crfOverridesFromOptions(o)).filter(([, v]) => v !== undefined));
  const crf = o.crf === false ? false : Object.keys(overrides).length ? overrides : o.crf;
  return { ensemble: { scales: o.scales, flip: o.flip, combine: o.combine }, crf };
}

export function predictCommand(): Command {
  const cmd = new Command('predict')
    .description(
      'Segment images. For each input writes <out>/<name>.png (the label map as a palette PNG whose ' +
        'indices are class ids) and <name>_overlay.png (class colours blended over the image).',
    )
    .argument('<inputs...>', 'image files or folders of images')
    .option('-k, --checkpoint <dir>', 'model folder (model.json) or a training work dir (default: the shipped CamVid model)')
    .requiredOption('-o, --out <dir>', 'output folder (created)');
  addPipelineOptions(cmd);
  addRuntimeOptions(cmd);
  return cmd
    .option('--alpha <a>', 'opacity of the class colours in the overlay (0..1)', nonNegativeNumber, 0.5)
    .option('--backend <name>', 'tfjs backend: wasm (default), cpu, tensorflow, auto', backendOption, 'wasm')
    .action(async (inputs: string[], o: PredictCliOptions) => {
      const files = listImages(inputs);
      const { outputs, renamed } = planOutputs(files, o.out);
      for (const r of renamed) process.stderr.write(`same name as an earlier input, written as ${r}\n`);
      const segmenter = await load(resolveCheckpoint(o.checkpoint), { backend: o.backend, threads: o.threads, runtime: o.runtime, onnxThreads: o.onnxThreads });
      try {
        const options = segmentOptionsFromCli(o);
        process.stderr.write(`pipeline: ${describePipeline(resolvePipeline(choicesFromOptions(o), segmenter.stored))}\n`);
        for (const { input, labels, overlay: overlayFile } of outputs) {
          const image = await readImage(input);
          const result = await segmenter.segment(image, options);
          await writeLabelPng(labels, result.labels, result.width, result.height, segmenter.palette);
          const blended = overlay(image.data, result.labels, segmenter.palette, Math.min(o.alpha, 1));
          await writeImagePng(overlayFile, blended, result.width, result.height);
          process.stdout.write(`${input} -> ${labels}, ${overlayFile}\n`);
        }
      } finally {
        segmenter.dispose();
      }
    });
}
