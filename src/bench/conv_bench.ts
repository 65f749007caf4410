/**
 * Convolution micro-benchmark: forward conv vs the two gradients the project
 * computes for it (input and filter), on `bench-vgg` shapes at 256×256, batch 2.
 * Runs on whatever backend is active; call `initBackend` first.
 */
import * as tf from '@tensorflow/tfjs-core';
import { conv2dGradConfig } from '../engine/kernels/conv2d_grad';
import { stockKernel } from '../engine/kernels';
import { median } from '../util/timing';

/** One timed operation. */
export interface BenchRow {
  name: string;
  medianMs: number;
  /** Nominal forward FLOPs (2 per multiply-add) divided by the median time. */
  gflops: number;
}

/** A convolution to time: NHWC input, HWIO filter. */
export interface ConvCase {
  name: string;
  input: [number, number, number, number];
  kernel: number;
  outChannels: number;
  stride?: number;
  dilation?: number;
}

/** Options of {@link benchConv}. */
export interface BenchConvOptions {
  /** Timed runs per operation (median reported); at least 5. */
  runs?: number;
  /** Untimed runs first. */
  warmup?: number;
  /** Cases to run; defaults to {@link VGG_CASES}. */
  cases?: ConvCase[];
  /** Also time the backend's stock Conv2DBackpropInput kernel where the project replaced it. */
  includeStock?: boolean;
  /** Called with each row as soon as it is measured. */
  onRow?: (row: BenchRow) => void;
}

/**
 * Convolutions of `bench-vgg` (width ×0.25) for a batch of 2 crops of 256×256,
 * plus the 7×7/2 stem of `bench-resnet`.
 */
export const VGG_CASES: ConvCase[] = [
  { name: 'conv1_1 3->16 @256', input: [2, 256, 256, 3], kernel: 3, outChannels: 16 },
  { name: 'conv1_2 16->16 @256', input: [2, 256, 256, 16], kernel: 3, outChannels: 16 },
  { name: 'conv3 64->64 @64', input: [2, 64, 64, 64], kernel: 3, outChannels: 64 },
  { name: 'conv5 d2 128->128 @32', input: [2, 32, 32, 128], kernel: 3, outChannels: 128, dilation: 2 },
  { name: 'fc6 d12 128->256 @32', input: [2, 32, 32, 128], kernel: 3, outChannels: 256, dilation: 12 },
  { name: 'fc7 1x1 256->256 @32', input: [2, 32, 32, 256], kernel: 1, outChannels: 256 },
  { name: 'stem 7x7/2 3->32 @256', input: [2, 256, 256, 3], kernel: 7, outChannels: 32, stride: 2 },
];

/** Forward FLOPs of a 'same'-padded convolution (2 per multiply-add). */
export function convFlops(c: ConvCase): number {
  const s = c.stride ?? 1;
  const [b, h, w, cin] = c.input;
  return 2 * b * Math.ceil(h / s) * Math.ceil(w / s) * c.outChannels * c.kernel * c.kernel * cin;
}

/**
 * Median wall times of several functions, timed round-robin (one call of each
 * per round) so that load changes on a shared machine hit all of them alike.
 * Only one value of each result is read back: enough to make lazy backends
 * finish, while a full download would dominate the time.
 */
async function timeRoundRobin(fs: Array<() => tf.Tensor>, runs: number, warmup: number): Promise<number[]> {
  const times = fs.map(() => [] as number[]);
  for (let round = 0; round < warmup + runs; round++) {
    for (let i = 0; i < fs.length; i++) {
      const t0 = performance.now();
      const out = fs[i]();
      const probe = tf.tidy(() => tf.slice(tf.reshape(out, [-1]), 0, 1));
      await probe.data();
      const dt = performance.now() - t0;
      tf.dispose([out, probe]);
      if (round >= warmup) times[i].push(dt);
    }
  }
  return times.map(median);
}

/** Runs the stock kernel that the project replaced (for comparison rows). */
function runStock(stock: tf.KernelConfig, inputs: tf.NamedTensorInfoMap, attrs: tf.NamedAttrMap): tf.Tensor {
  const backend = tf.engine().backend;
  const info = stock.kernelFunc({ inputs, backend, attrs }) as tf.TensorInfo;
  return tf.engine().makeTensorFromTensorInfo(info);
}

/**
 * Times forward conv, input gradient and filter gradient (the functions a
 * training step runs, through the project's Conv2D gradient) for each case on
 * the current backend; rows are named `<case> forward|backprop-input|backprop-filter`.
 */
export async function benchConv(opts: BenchConvOptions = {}): Promise<BenchRow[]> {
  const runs = Math.max(5, opts.runs ?? 5);
  const warmup = opts.warmup ?? 1;
  const rows: BenchRow[] = [];
  for (const c of opts.cases ?? VGG_CASES) {
    const s = c.stride ?? 1;
    const d = c.dilation ?? 1;
    const [b, h, w, cin] = c.input;
    const x = tf.randomNormal(c.input) as tf.Tensor4D;
    const filter = tf.randomNormal([c.kernel, c.kernel, cin, c.outChannels]) as tf.Tensor4D;
    const dy = tf.randomNormal([b, Math.ceil(h / s), Math.ceil(w / s), c.outChannels]) as tf.Tensor4D;
    const attrs = { strides: s, pad: 'same', dataFormat: 'NHWC', dilations: d } as unknown as tf.NamedAttrMap;
    const grads = (): Record<string, () => tf.Tensor> => conv2dGradConfig.gradFunc(dy, [x, filter], attrs);
    const names = ['forward', 'backprop-input', 'backprop-filter'];
    const fs: Array<() => tf.Tensor> = [
      () => tf.conv2d(x, filter, s, 'same', 'NHWC', d),
      () => tf.tidy(() => grads().x()),
      () => tf.tidy(() => grads().filter()),
    ];
    const stock = opts.includeStock && d === 1 ? stockKernel('Conv2DBackpropInput', tf.getBackend()) : undefined;
    if (stock !== undefined) {
      // The stock kernel was unregistered before the backend ran its set-up.
      stock.setupFunc?.(tf.engine().backend);
      const stockAttrs = { strides: s, pad: 'same', dataFormat: 'NHWC', inputShape: c.input } as unknown as tf.NamedAttrMap;
      names.push('backprop-input (stock)');
      fs.push(() => runStock(stock, { dy, filter }, stockAttrs));
    }
    const medians = await timeRoundRobin(fs, runs, warmup);
    const flops = convFlops(c);
    medians.forEach((ms, i) => {
      const row = { name: `${c.name} ${names[i]}`, medianMs: ms, gflops: flops / ms / 1e6 };
      rows.push(row);
      opts.onRow?.(row);
    });
    tf.dispose([x, filter, dy]);
  }
  return rows;
}

/** Formats rows as an aligned text table. */
export function formatBenchTable(rows: BenchRow[]): string {
  const width = Math.max(...rows.map((r) => r.name.length), 4);
  const lines = [`${'name'.padEnd(width)}  ${'ms'.padStart(9)}  ${'GFLOP/s'.padStart(8)}`];
  for (const r of rows) {
    lines.push(`${r.name.padEnd(width)}  ${r.medianMs.toFixed(2).padStart(9)}  ${r.gflops.toFixed(2).padStart(8)}`);
  }
  return lines.join('\n');
}
