/**
 * What ONNX Runtime's convolutions give on this machine, beside the whole
 * `bench-vgg` network, timed in one run: `node dist/src/bench/onnx_conv_bench_main.js [runs]`.
 * Each convolution of the network at 360×480 (plus one large reference
 * convolution) runs alone as a Conv + Relu graph, on 1 and 2 threads; the
 * network's GFLOP/s against its convolutions' tells how much the export adds
 * around them. Median of `runs` after 2 warm-ups; 2 FLOPs per multiply-add.
 */
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../engine/backend';
import { buildSegmentor } from '../model/build';
import { countFlops } from '../model/flops';
import { exportOnnx } from '../model/onnx_export';
import { modelPreset } from '../model/presets';
import { OnnxGraph } from '../onnx/graph';
import { encodeModel } from '../onnx/proto';
import { onnxSessionOptions } from '../onnx/network';
import { requireOnnxRuntime } from '../onnx/node_runtime';
import { Rng } from '../util/rng';
import { timeRuns } from '../util/timing';

interface ConvShape {
  name: string;
  cin: number;
  cout: number;
  h: number;
  w: number;
  k: number;
  dilation: number;
  /** How many such layers the network has. */
  count: number;
}

/** bench-vgg's convolutions at 360×480 (stride 8), and a large reference one. */
const SHAPES: ConvShape[] = [
  { name: 'conv1_1 3->16 @360x480', cin: 3, cout: 16, h: 360, w: 480, k: 3, dilation: 1, count: 1 },
  { name: 'conv1_2 16->16 @360x480', cin: 16, cout: 16, h: 360, w: 480, k: 3, dilation: 1, count: 1 },
  { name: 'conv2_2 32->32 @180x240', cin: 32, cout: 32, h: 180, w: 240, k: 3, dilation: 1, count: 1 },
  { name: 'conv3 64->64 @90x120', cin: 64, cout: 64, h: 90, w: 120, k: 3, dilation: 1, count: 2 },
  { name: 'conv5 d2 128->128 @45x60', cin: 128, cout: 128, h: 45, w: 60, k: 3, dilation: 2, count: 3 },
  { name: 'fc6 d12 128->256 @45x60', cin: 128, cout: 256, h: 45, w: 60, k: 3, dilation: 12, count: 1 },
  { name: 'reference 256->256 @64x64', cin: 256, cout: 256, h: 64, w: 64, k: 3, dilation: 1, count: 0 },
];

function convModel(s: ConvShape, rng: Rng): Uint8Array {
  const g = new OnnxGraph();
  const x = g.input('x', [1, s.cin, s.h, s.w]);
  const wts = g.weight('w', Float32Array.from({ length: s.cout * s.cin * s.k * s.k }, () => rng.normal() * 0.05), [s.cout, s.cin, s.k, s.k]);
  const b = g.weight('b', new Float32Array(s.cout), [s.cout]);
  const p = (s.dilation * (s.k - 1)) / 2;
  const y = g.op('Conv', [x, wts, b], { dilations: { ints: [s.dilation, s.dilation] }, pads: { ints: [p, p, p, p] }, kernel_shape: { ints: [s.k, s.k] } });
  g.output(g.op('Relu', [y]), 'y', [1, s.cout, s.h, s.w]);
  return encodeModel(g.toModel('conv', {}, 'bench'));
}

async function medianMs(model: Uint8Array, feeds: Record<string, unknown>, threads: number, runs: number): Promise<number> {
  const ort = requireOnnxRuntime();
  const session = await ort.InferenceSession.create(model, onnxSessionOptions(threads));
  try {
    return (await timeRuns(runs, 2, () => session.run(feeds as never))).wallMs;
  } finally {
    await session.release();
  }
}

async function main(): Promise<void> {
  const runs = Number(process.argv[2] ?? 9);
  await initBackend('cpu');
  const ort = requireOnnxRuntime();
  const rng = new Rng(1);
  console.log(`ONNX Runtime (onnxruntime-node); median of ${runs} runs; GF = GFLOP/s`);
  console.log(`${'graph'.padEnd(28)} ${'1 thread'.padStart(18)} ${'2 threads'.padStart(18)}`);
  for (const s of SHAPES) {
    const x = new ort.Tensor('float32', Float32Array.from({ length: s.cin * s.h * s.w }, () => rng.next() * 2 - 1), [1, s.cin, s.h, s.w]);
    const model = convModel(s, rng);
    const flops = 2 * s.cin * s.cout * s.k * s.k * s.h * s.w;
    const cells = [];
    for (const threads of [1, 2]) {
      const ms = await medianMs(model, { x }, threads, runs);
      cells.push(`${ms.toFixed(2).padStart(7)} ms ${(flops / ms / 1e6).toFixed(0).padStart(4)} GF`);
    }
    console.log(`${s.name.padEnd(28)} ${cells.map((c) => c.padStart(18)).join(' ')}`);
  }
  const config = modelPreset('bench-vgg');
  const model = buildSegmentor(config, 1);
  const onnx = exportOnnx(model, { version: 'bench' });
  model.dispose();
  const [h, w] = [360, 480];
  const feeds = {
    image: new ort.Tensor('float32', Float32Array.from({ length: h * w * 3 }, () => rng.int(256)), [1, h, w, 3]),
    size: new ort.Tensor('int64', BigInt64Array.from([BigInt(h), BigInt(w)]), [2]),
  };
  const flops = countFlops(config, h, w);
  const cells = [];
  for (const threads of [1, 2]) {
    const ms = await medianMs(onnx, feeds, threads, runs);
    cells.push(`${ms.toFixed(2).padStart(7)} ms ${(flops / ms / 1e6).toFixed(0).padStart(4)} GF`);
  }
  console.log(`${'bench-vgg network @360x480'.padEnd(28)} ${cells.map((c) => c.padStart(18)).join(' ')}`);
  if (tf.memory().numTensors !== 0) throw new Error('tensors left');
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
