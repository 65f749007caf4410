/**
 * The bad-input corpus: each case runs the `guideseg` command on an input the
 * test generates (files, configs, options, checkpoints), and asserts the exit
 * code, that the message names the file, field or option, and that nothing
 * half-written is left behind (no temporary files, no output where none was due).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';
import { CAMVID_PALETTE } from '../../src/data/datasets/camvid';
import { writeLabelPng } from '../../src/data/image_io';
import { initBackend } from '../../src/engine/backend';
import { buildSegmentor } from '../../src/model/build';
import { modelPreset } from '../../src/model/presets';
import { saveWeights } from '../../src/model/serialization';
import { runCli } from './run_cli';

let tmp = '';
const p = (...parts: string[]) => path.join(tmp, ...parts);

/** A CamVid-layout folder `name` with `n` 12×9 pairs; `edit` may break it. */
async function camvid(name: string, n = 3, edit?: (root: string) => Promise<void> | void): Promise<string> {
  const root = p(name);
  fs.mkdirSync(root, { recursive: true });
  const lines: string[] = [];
  for (let i = 0; i < n; i++) {
    await sharp(Buffer.alloc(12 * 9 * 3, 40 * i), { raw: { width: 12, height: 9, channels: 3 } }).png().toFile(path.join(root, `i${i}.png`));
    await writeLabelPng(path.join(root, `l${i}.png`), new Uint8Array(12 * 9).fill(i % 11), 12, 9, CAMVID_PALETTE);
    lines.push(`i${i}.png l${i}.png`);
  }
  for (const split of ['train', 'val']) fs.writeFileSync(path.join(root, `${split}.txt`), lines.join('\n') + '\n');
  await edit?.(root);
  return root;
}

/** A checkpoint folder `name` of a tiny 11-class model; `edit` may break it. */
async function checkpoint(name: string, variant: 'joint' | 'baseline' = 'joint', edit?: (dir: string) => void, numClasses = 11): Promise<string> {
  const dir = p(name);
  const model = buildSegmentor(modelPreset('bench-vgg', { variant, numClasses, backbone: { width: 0.0625 }, denseHead: { channels: 8, dilation: 2 }, clsHead: { hidden: 8, poolSize: 2 } }), 1);
  await saveWeights(dir, model);
  model.dispose();
  edit?.(dir);
  return dir;
}

function editJson(file: string, change: (json: Record<string, unknown>) => unknown): void {
  const json = JSON.parse(fs.readFileSync(file, 'utf8'));
  fs.writeFileSync(file, JSON.stringify(change(json) ?? json));
}

function configFile(name: string, json: unknown): string {
  const file = p(`${name}.json`);
  fs.writeFileSync(file, typeof json === 'string' ? json : JSON.stringify(json));
  return file;
}

/** Every temporary file left anywhere under `dir` (atomic writes name them `.<name>.tmp-…`). */
function leftovers(dir: string): string[] {
  return fs.readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => /\.tmp-/.test(f));
}

interface Case {
  name: string;
  args: () => Promise<string[]> | string[];
  /** What the message must contain. */
  message: RegExp;
  /** Paths that must not exist afterwards (nothing written). */
  absent?: () => string[];
  /** Extra check after the run. */
  then?: () => void;
}

const tinyModel = { name: 'tiny', numClasses: 11, backbone: { type: 'vgg16', width: 0.0625, outputStride: 8 }, denseHead: { channels: 8, dilation: 2 }, clsHead: { hidden: 8, poolSize: 2 } };
const tinyTrain = { iterations: 2, batchSize: 2, cropSize: [8, 8], checkpointInterval: 1, logInterval: 100 };

const CASES: Case[] = [
  // Checkpoints.
  { name: 'eval: checkpoint folder missing', args: () => ['eval', '-k', p('nothing-here'), '-d', 'context'], message: /nothing-here: no model\.json here/ },
  { name: 'eval: model.json not JSON', args: async () => ['eval', '-k', await checkpoint('ck-json', 'joint', (d) => fs.writeFileSync(path.join(d, 'model.json'), '{"format": "guideseg')), '-d', 'context'], message: /ck-json\/model\.json.*JSON/ },
  { name: 'eval: weights.bin truncated', args: async () => ['eval', '-k', await checkpoint('ck-trunc', 'joint', (d) => fs.truncateSync(path.join(d, 'weights.bin'), 100)), '-d', 'context'], message: /ck-trunc\/weights\.bin: corrupt/ },
  { name: 'eval: weights.bin missing', args: async () => ['eval', '-k', await checkpoint('ck-nobin', 'joint', (d) => fs.rmSync(path.join(d, 'weights.bin'))), '-d', 'context'], message: /ck-nobin\/weights\.bin/ },
  { name: 'eval: checksum field removed', args: async () => ['eval', '-k', await checkpoint('ck-nosum', 'joint', (d) => editJson(path.join(d, 'model.json'), (j) => ({ ...j, weightsChecksum: undefined }))), '-d', 'context'], message: /ck-nosum\/model\.json: weightsChecksum has no SHA-256/ },
  { name: 'eval: manifest path outside the folder', args: async () => ['eval', '-k', await checkpoint('ck-escape', 'joint', (d) => editJson(path.join(d, 'model.json'), (j) => { (j.weightsManifest as Array<{ paths: string[] }>)[0].paths = ['../../x/weights.bin']; })), '-d', 'context'], message: /ck-escape\/model\.json: weights path "\.\.\/\.\.\/x\/weights\.bin" is not a file of the checkpoint folder/ },
  { name: 'eval: topology with an unknown backbone', args: async () => ['eval', '-k', await checkpoint('ck-topo', 'joint', (d) => editJson(path.join(d, 'model.json'), (j) => { (j.modelTopology as { backbone: { type: string } }).backbone.type = 'vgg17'; })), '-d', 'context'], message: /ck-topo\/model\.json modelTopology:\n\s+backbone\.type: unknown backbone "vgg17"/ },
  { name: 'eval: metadata classes of the wrong length', args: async () => ['eval', '-k', await checkpoint('ck-meta', 'joint', (d) => editJson(path.join(d, 'model.json'), (j) => ({ ...j, userDefinedMetadata: { classes: ['a', 'b'] } }))), '-d', 'context'], message: /ck-meta\/model\.json.*classes/ },
  // Data.
  { name: 'eval: data root missing', args: async () => ['eval', '-k', await checkpoint('ck-d1'), '-d', 'camvid', '--data-root', p('no-camvid')], message: /data\.root of the camvid data set not found: .*no-camvid/ },
  { name: 'eval: unknown data set type', args: async () => ['eval', '-k', await checkpoint('ck-d2'), '-d', 'cityscape'], message: /unknown data\.type 'cityscape'; known types: ade20k, camvid, cityscapes, context, voc/ },
  { name: 'eval: split list missing', args: async () => ['eval', '-k', await checkpoint('ck-d3'), '-d', 'camvid', '--data-root', await camvid('cv-nolist'), '-s', 'test'], message: /camvid 'test' list file not found: .*cv-nolist\/test\.txt/ },
  { name: 'eval: malformed list line', args: async () => ['eval', '-k', await checkpoint('ck-d4'), '-d', 'camvid', '--data-root', await camvid('cv-line', 2, (r) => fs.appendFileSync(path.join(r, 'val.txt'), 'a b c\n'))], message: /cv-line\/val\.txt line 3: expected "image label"/ },
  { name: 'eval: listed image missing', args: async () => ['eval', '-k', await checkpoint('ck-d5'), '-d', 'camvid', '--data-root', await camvid('cv-noimg', 2, (r) => fs.rmSync(path.join(r, 'i1.png')))], message: /image file not found: .*cv-noimg\/i1\.png/ },
  { name: 'eval: label of another size', args: async () => ['eval', '-k', await checkpoint('ck-d6'), '-d', 'camvid', '--data-root', await camvid('cv-size', 2, (r) => writeLabelPng(path.join(r, 'l1.png'), new Uint8Array(10 * 9), 10, 9, CAMVID_PALETTE))], message: /size mismatch: image .*cv-size\/i1\.png is 12x9, label .*l1\.png is 10x9/ },
  { name: 'eval: label id out of range', args: async () => ['eval', '-k', await checkpoint('ck-d7'), '-d', 'camvid', '--data-root', await camvid('cv-range', 2, (r) => writeLabelPng(path.join(r, 'l0.png'), new Uint8Array(12 * 9).fill(30), 12, 9, CAMVID_PALETTE))], message: /label .*cv-range\/l0\.png holds class id 30/ },
  { name: 'eval: corrupt image file', args: async () => ['eval', '-k', await checkpoint('ck-d8'), '-d', 'camvid', '--data-root', await camvid('cv-corrupt', 2, (r) => fs.writeFileSync(path.join(r, 'i0.png'), 'not a png'))], message: /cv-corrupt\/i0\.png/ },
  { name: 'eval: empty image file', args: async () => ['eval', '-k', await checkpoint('ck-d9'), '-d', 'camvid', '--data-root', await camvid('cv-empty', 2, (r) => fs.writeFileSync(path.join(r, 'i1.png'), ''))], message: /cv-empty\/i1\.png/ },
  { name: 'eval: empty split', args: async () => ['eval', '-k', await checkpoint('ck-d10'), '-d', 'camvid', '--data-root', await camvid('cv-nosplit', 1, (r) => fs.writeFileSync(path.join(r, 'val.txt'), '# nothing\n'))], message: /split 'val' of camvid data set is empty: .*cv-nosplit\/val\.txt/ },
  { name: 'eval: labels all ignore', args: async () => ['eval', '-k', await checkpoint('ck-d11'), '-d', 'camvid', '--data-root', await camvid('cv-void', 2, async (r) => { for (const i of [0, 1]) await writeLabelPng(path.join(r, `l${i}.png`), new Uint8Array(12 * 9).fill(11), 12, 9, CAMVID_PALETTE); })], message: /camvid\/val: no labelled pixel in 2 images/ },
  { name: 'eval: model of another class count than the data', args: async () => ['eval', '-k', await checkpoint('ck-d12', 'joint', undefined, 5), '-d', 'camvid', '--data-root', await camvid('cv-l5', 2)], message: /model has 5 classes but data set camvid\/val has 11/ },
  // Options.
  { name: 'eval: --out is a folder (refused before evaluating)', args: async () => ['eval', '-k', await checkpoint('ck-o1'), '-d', 'context', '--out', tmp], message: /--out .*: is a folder; give a file name/ },
  { name: 'eval: --scales with a zero', args: () => ['eval', '-d', 'context', '--scales', '1,0'], message: /--scales/ },
  { name: 'eval: --threads 0', args: () => ['eval', '-d', 'context', '--threads', '0'], message: /--threads.*positive integer/ },
  { name: 'eval: unknown runtime', args: () => ['eval', '-d', 'context', '--runtime', 'gpu'], message: /--runtime.*Allowed choices are auto, onnx, tfjs/ },
  { name: 'eval: CRF λ > 0 on a baseline model', args: async () => ['eval', '-k', await checkpoint('ck-o2', 'baseline'), '-d', 'camvid', '--data-root', await camvid('cv-lam', 1), '--crf', '--crf-lambda', '1'], message: /crf\.lambda = 1 needs global scores.*baseline/ },
  { name: 'bench: unknown workload', args: () => ['bench', '--workload', 'fly'], message: /--workload.*Allowed choices/ },
  { name: 'learn-combine: --seed 1.5', args: async () => ['learn-combine', '-k', await checkpoint('ck-o3'), '-d', 'context', '--seed', '1.5'], message: /--seed.*expected an integer, got "1\.5"/ },
  { name: 'web: --port abc', args: () => ['web', '--port', 'abc'], message: /--port.*positive integer/ },
  // Configs and training.
  { name: 'train: --seed 12abc', args: () => ['train', '-w', p('w-seed'), '-m', 'bench-vgg', '-d', 'context', '--seed', '12abc'], message: /--seed.*expected an integer, got "12abc"/, absent: () => [p('w-seed')] },
  { name: 'train: config file missing', args: () => ['train', '-w', p('w-c1'), '-c', p('missing.json')], message: /missing\.json/, absent: () => [p('w-c1')] },
  { name: 'train: config not JSON', args: () => ['train', '-w', p('w-c2'), '-c', configFile('notjson', '{"model": ')], message: /notjson\.json/, absent: () => [p('w-c2')] },
  { name: 'train: unknown config field', args: () => ['train', '-w', p('w-c3'), '-c', configFile('unknown', { model: tinyModel, data: { type: 'context' }, train: { ...tinyTrain, iterationz: 3 } })], message: /train: Unrecognized key: "iterationz"/, absent: () => [p('w-c3')] },
  { name: 'train: unknown backbone', args: () => ['train', '-w', p('w-c4'), '-c', configFile('bb', { model: { ...tinyModel, backbone: { type: 'vgg17' } }, data: { type: 'context' }, train: tinyTrain })], message: /model\.backbone\.type: unknown backbone "vgg17"/, absent: () => [p('w-c4')] },
  { name: 'train: a field of another head', args: () => ['train', '-w', p('w-c5'), '-c', configFile('head', { model: { ...tinyModel, denseHead: { type: 'aspp-lite', dilation: 2 } }, data: { type: 'context' }, train: tinyTrain })], message: /model\.denseHead: Unrecognized key: "dilation"/, absent: () => [p('w-c5')] },
  { name: 'train: numClasses 8 on CamVid', args: async () => ['train', '-w', p('w-c6'), '-c', configFile('l8', { model: { ...tinyModel, numClasses: 8 }, data: { type: 'camvid', root: await camvid('cv-train8', 2) }, train: tinyTrain })], message: /model\.numClasses is 8 but data set camvid\/train has 11 classes/, absent: () => [p('w-c6')] },
  { name: 'train: numClasses 20 on CamVid', args: async () => ['train', '-w', p('w-c7'), '-c', configFile('l20', { model: { ...tinyModel, numClasses: 20 }, data: { type: 'camvid', root: await camvid('cv-train20', 2) }, train: tinyTrain })], message: /model\.numClasses is 20 but data set camvid\/train has 11 classes/, absent: () => [p('w-c7')] },
  { name: 'train: clsHead.poolSize 1000', args: () => ['train', '-w', p('w-c8'), '-c', configFile('pool', { model: { ...tinyModel, numClasses: 8, clsHead: { hidden: 64, poolSize: 1000 } }, data: { type: 'context' }, train: tinyTrain })], message: /clsHead\.poolSize 1000 .*lower clsHead\.poolSize or clsHead\.hidden/, absent: () => [p('w-c8')] },
  { name: 'train: a corrupt image late in the list (found before training)', args: async () => ['train', '-w', p('w-c9'), '-c', configFile('late', { model: tinyModel, data: { type: 'camvid', root: await camvid('cv-late', 5, (r) => fs.writeFileSync(path.join(r, 'i4.png'), 'x')) }, train: tinyTrain })], message: /camvid\/train: 1 of 5 samples cannot be used:\n\s+sample 4: .*cv-late\/i4\.png/, absent: () => [p('w-c9')] },
  { name: 'train --check-data: every bad pair at once', args: async () => ['train', '--check-data', '-c', configFile('check', { model: tinyModel, data: { type: 'camvid', root: await camvid('cv-check', 4, async (r) => { fs.writeFileSync(path.join(r, 'i1.png'), 'x'); await writeLabelPng(path.join(r, 'l3.png'), new Uint8Array(12 * 9).fill(50), 12, 9, CAMVID_PALETTE); }) }, train: tinyTrain })], message: /2 of 4 samples cannot be used:\n\s+sample 1: .*\n\s+sample 3: .*class id 50/ },
  { name: 'train --resume on an empty work dir', args: () => { fs.mkdirSync(p('w-empty'), { recursive: true }); return ['train', '--resume', '-w', p('w-empty')]; }, message: /--resume: .*w-empty holds no run/, then: () => assert.deepEqual(fs.readdirSync(p('w-empty')), []) },
  { name: 'train into a work dir locked by a running process', args: () => { fs.mkdirSync(p('w-locked'), { recursive: true }); fs.writeFileSync(p('w-locked', '.lock'), JSON.stringify({ pid: sleeperPid, host: os.hostname(), started: 'now' })); return ['train', '-w', p('w-locked'), '-c', configFile('lock', { model: { ...tinyModel, numClasses: 8 }, data: { type: 'context' }, train: tinyTrain })]; }, message: /w-locked is in use by another training run \(process \d+/, then: () => assert.equal(fs.existsSync(p('w-locked', 'config.json')), false) },
  // Outputs and other commands.
  { name: 'predict: input missing', args: () => ['predict', p('nope.png'), '-o', p('pred-1')], message: /nope\.png: no such file or folder/, absent: () => [p('pred-1')] },
  { name: 'predict: --out is the input folder', args: async () => ['predict', path.join(await camvid('cv-pred', 1), 'i0.png'), '-o', p('cv-pred')], message: /would replace the input image .*cv-pred\/i0\.png/, then: () => assert.ok(fs.statSync(p('cv-pred', 'i0.png')).size > 10, 'the input is intact') },
  { name: 'predict: a text file named .png', args: () => { fs.writeFileSync(p('fake.png'), 'hello'); return ['predict', p('fake.png'), '-o', p('pred-2')]; }, message: /fake\.png/ },
  { name: 'export: --out is a folder', args: async () => ['export', '-k', await checkpoint('ck-x1'), '-o', tmp], message: /--out .*: is a folder; give a file name/ },
  { name: 'export: corrupt checkpoint', args: async () => ['export', '-k', await checkpoint('ck-x2', 'joint', (d) => fs.truncateSync(path.join(d, 'weights.bin'), 10)), '-o', p('x2.onnx')], message: /ck-x2\/weights\.bin: corrupt/, absent: () => [p('x2.onnx')] },
  { name: 'ablate: --joint given a baseline model', args: async () => ['ablate', '--joint', await checkpoint('ck-a1', 'baseline'), '--baseline', await checkpoint('ck-a2', 'baseline'), '-d', 'context', '-o', p('abl-1')], message: /ck-a1.*joint model/, absent: () => [p('abl-1')] },
  { name: 'ablate: models of another class count (before fitting)', args: async () => ['ablate', '--joint', await checkpoint('ck-a3', 'joint', undefined, 5), '--baseline', await checkpoint('ck-a4', 'baseline', undefined, 5), '-d', 'camvid', '--data-root', await camvid('cv-abl', 2), '-o', p('abl-2')], message: /ck-a3: the model has 5 classes but data set camvid\/val has 11/, absent: () => [p('abl-2')] },
  { name: 'pack: --out is the checkpoint', args: async () => ['pack', '-k', await checkpoint('ck-p1'), '-o', p('ck-p1')], message: /would replace the checkpoint/ },
  { name: 'classify: a file of another kind as weights', args: () => { fs.writeFileSync(p('weights.tflite'), 'not a flatbuffer at all'); fs.writeFileSync(p('labels.txt'), 'a\nb\n'); return ['classify', p('fake.png'), '--weights', p('weights.tflite'), '--labels', p('labels.txt')]; }, message: /weights\.tflite/ },
];

let sleeper: ReturnType<typeof spawn> | null = null;
let sleeperPid = 0;

before(async () => {
  await initBackend('cpu');
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'guideseg-bad-input-'));
  sleeper = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 600000)']);
  sleeperPid = sleeper.pid!;
});
after(() => {
  sleeper?.kill();
  fs.rmSync(tmp, { recursive: true, force: true });
});

test(`the bad-input corpus: ${CASES.length} cases fail with exit code 1, a message naming the file, field or option, and nothing half-written`, { timeout: 600_000 }, async () => {
  assert.ok(CASES.length >= 40, `${CASES.length} cases`);
  const failures: string[] = [];
  // Two commands at a time.
  const queue = [...CASES];
  await Promise.all(
    [0, 1].map(async () => {
      for (let c = queue.shift(); c; c = queue.shift()) {
        const args = await c.args();
        const r = await runCli(args, 120_000);
        const problems: string[] = [];
        if (r.code !== 1) problems.push(`exit code ${r.code}`);
        if (!c.message.test(r.stderr)) problems.push(`message ${JSON.stringify(r.stderr.slice(-400))} does not match ${c.message}`);
        for (const f of c.absent?.() ?? []) if (fs.existsSync(f)) problems.push(`${f} was written`);
        try {
          c.then?.();
        } catch (err) {
          problems.push((err as Error).message);
        }
        if (problems.length) failures.push(`${c.name}: ${problems.join('; ')}`);
      }
    }),
  );
  const left = leftovers(tmp);
  if (left.length) failures.push(`temporary files left: ${left.join(', ')}`);
  assert.deepEqual(failures, []);
});
