/**
 * Reader of TensorFlow Lite model files (FlatBuffers, file identifier `TFL3`):
 * tensors with shapes, types, buffers and affine quantization (per tensor or
 * per channel), and the operator list in execution order with the options
 * the importers need. Field numbers follow the published TFLite schema; the
 * table access goes through the `flatbuffers` library.
 */
import { ByteBuffer } from 'flatbuffers';

/** Element types of TFLite tensors (the schema's `TensorType`). */
const TENSOR_TYPES: Record<number, string> = {
  0: 'float32', 1: 'float16', 2: 'int32', 3: 'uint8', 4: 'int64', 5: 'string', 6: 'bool', 7: 'int16', 9: 'int8',
};

/** Builtin operators the importers look at (the schema's `BuiltinOperator`); others read as `op#N`. */
const BUILTIN_OPS: Record<number, string> = {
  0: 'ADD', 1: 'AVERAGE_POOL_2D', 2: 'CONCATENATION', 3: 'CONV_2D', 4: 'DEPTHWISE_CONV_2D', 6: 'DEQUANTIZE',
  9: 'FULLY_CONNECTED', 14: 'LOGISTIC', 17: 'MAX_POOL_2D', 18: 'MUL', 19: 'RELU', 21: 'RELU6', 22: 'RESHAPE',
  23: 'RESIZE_BILINEAR', 25: 'SOFTMAX', 32: 'CUSTOM', 34: 'PAD', 39: 'TRANSPOSE', 40: 'MEAN', 41: 'SUB',
  43: 'SQUEEZE', 56: 'ARG_MAX', 97: 'RESIZE_NEAREST_NEIGHBOR', 114: 'QUANTIZE',
};

/** Option fields by operator, in schema field order (enum values stay numbers). */
const OPTION_FIELDS: Record<string, Array<[name: string, kind: 'i8' | 'i32' | 'bool']>> = {
  CONV_2D: [['padding', 'i8'], ['strideW', 'i32'], ['strideH', 'i32'], ['activation', 'i8'], ['dilationW', 'i32'], ['dilationH', 'i32']],
  DEPTHWISE_CONV_2D: [
    ['padding', 'i8'], ['strideW', 'i32'], ['strideH', 'i32'], ['depthMultiplier', 'i32'], ['activation', 'i8'],
    ['dilationW', 'i32'], ['dilationH', 'i32'],
  ],
  AVERAGE_POOL_2D: [['padding', 'i8'], ['strideW', 'i32'], ['strideH', 'i32'], ['filterW', 'i32'], ['filterH', 'i32'], ['activation', 'i8']],
  MAX_POOL_2D: [['padding', 'i8'], ['strideW', 'i32'], ['strideH', 'i32'], ['filterW', 'i32'], ['filterH', 'i32'], ['activation', 'i8']],
  ADD: [['activation', 'i8']],
  FULLY_CONNECTED: [['activation', 'i8']],
  CONCATENATION: [['axis', 'i32'], ['activation', 'i8']],
  RESIZE_BILINEAR: [['newHeight', 'i32'], ['newWidth', 'i32'], ['alignCorners', 'bool'], ['halfPixelCenters', 'bool']],
};

/** `padding` option values. */
export const TFLITE_PADDING = { same: 0, valid: 1 } as const;
/** `activation` option values (fused activation functions). */
export const TFLITE_ACTIVATION = { none: 0, relu: 1, reluN1To1: 2, relu6: 3 } as const;

/** Affine quantization: real = scale · (q − zeroPoint), per tensor or per channel along `axis`. */
export interface TfliteQuantization {
  scale: Float32Array;
  zeroPoint: Int32Array;
  /** Axis of the per-channel parameters (0 when per tensor). */
  axis: number;
}

/** One tensor of the model's main subgraph. */
export interface TfliteTensor {
  index: number;
  name: string;
  shape: number[];
  type: string;
  /** Constant data (weights), or null for activations. */
  data: Uint8Array | null;
  quantization: TfliteQuantization | null;
}

/** One operator, in execution order. */
export interface TfliteOperator {
  /** Builtin operator name (e.g. `CONV_2D`), or `op#N` for one the reader does not name. */
  op: string;
  inputs: number[];
  outputs: number[];
  /** The operator's options, by name (see `OPTION_FIELDS`); empty for operators without any. */
  options: Record<string, number>;
}

/** The main subgraph of a TFLite file. */
export interface TfliteModel {
  /** Path or label of the file, for error messages. */
  source: string;
  tensors: TfliteTensor[];
  operators: TfliteOperator[];
  inputs: number[];
  outputs: number[];
}

/** Typed access to one flatbuffer table. */
class Table {
  constructor(
    private readonly bb: ByteBuffer,
    readonly pos: number,
  ) {}

  private field(id: number): number {
    return this.bb.__offset(this.pos, 4 + 2 * id);
  }

  has(id: number): boolean {
    return this.field(id) !== 0;
  }

  int8(id: number, fallback = 0): number {
    const o = this.field(id);
    return o ? this.bb.readInt8(this.pos + o) : fallback;
  }

  int32(id: number, fallback = 0): number {
    const o = this.field(id);
    return o ? this.bb.readInt32(this.pos + o) : fallback;
  }

  uint32(id: number, fallback = 0): number {
    const o = this.field(id);
    return o ? this.bb.readUint32(this.pos + o) : fallback;
  }

  uint64(id: number): number {
    const o = this.field(id);
    return o ? Number(this.bb.readUint64(this.pos + o)) : 0;
  }

  bool(id: number): boolean {
    return this.int8(id) !== 0;
  }

  string(id: number): string {
    const o = this.field(id);
    return o ? (this.bb.__string(this.pos + o) as string) : '';
  }

  table(id: number): Table | null {
    const o = this.field(id);
    return o ? new Table(this.bb, this.bb.__indirect(this.pos + o)) : null;
  }

  /** Start (byte position) and length of a vector field; length 0 when absent. */
  vector(id: number, elementBytes: number): { start: number; length: number } {
    const o = this.field(id);
    if (!o) return { start: 0, length: 0 };
    const start = this.bb.__vector(this.pos + o);
    const length = this.bb.__vector_len(this.pos + o);
    if (start < 0 || start + length * elementBytes > this.bb.capacity()) {
      throw new Error(`vector at byte ${start} (${length} elements) runs past the end of the file`);
    }
    return { start, length };
  }

  int32s(id: number): number[] {
    const { start, length } = this.vector(id, 4);
    return Array.from({ length }, (_, i) => this.bb.readInt32(start + 4 * i));
  }

  tables(id: number): Table[] {
    const { start, length } = this.vector(id, 4);
    return Array.from({ length }, (_, i) => new Table(this.bb, this.bb.__indirect(start + 4 * i)));
  }
}

function readQuantization(bb: ByteBuffer, q: Table | null): TfliteQuantization | null {
  if (!q) return null;
  const s = q.vector(2, 4);
  if (s.length === 0) return null;
  const scale = new Float32Array(s.length);
  for (let i = 0; i < s.length; i++) scale[i] = bb.readFloat32(s.start + 4 * i);
  const z = q.vector(3, 8);
  const zeroPoint = new Int32Array(s.length);
  for (let i = 0; i < Math.min(z.length, s.length); i++) zeroPoint[i] = Number(bb.readInt64(z.start + 8 * i));
  return { scale, zeroPoint, axis: q.int32(6) };
}

function readOptions(op: string, options: Table | null): Record<string, number> {
  const out: Record<string, number> = {};
  const fields = OPTION_FIELDS[op];
  if (!fields) return out;
  fields.forEach(([name, kind], id) => {
    // Absent fields take the schema defaults: 0 (SAME padding, no activation), 1 for dilations.
    const fallback = name.startsWith('dilation') || name === 'depthMultiplier' ? 1 : 0;
    if (!options) out[name] = fallback;
    else if (kind === 'i8') out[name] = options.int8(id, fallback);
    else if (kind === 'bool') out[name] = options.bool(id) ? 1 : 0;
    else out[name] = options.int32(id, fallback);
  });
  return out;
}

/**
 * Parses a TFLite file. Only the first subgraph is read (the model itself).
 *
 * @param bytes the file's contents
 * @param source the file's path, named by every error
 */
export function readTflite(bytes: Uint8Array, source: string): TfliteModel {
  if (bytes.length < 8 || String.fromCharCode(...bytes.subarray(4, 8)) !== 'TFL3') {
    throw new Error(`${source}: not a TFLite model (no "TFL3" file identifier)`);
  }
  try {
    const bb = new ByteBuffer(bytes);
    const model = new Table(bb, bb.readInt32(bb.position()) + bb.position());
    const opcodes = model.tables(1).map((code) => {
      const builtin = Math.max(code.int8(0), code.int32(3));
      return BUILTIN_OPS[builtin] ?? (builtin === 32 ? `CUSTOM:${code.string(1)}` : `op#${builtin}`);
    });
    const buffers = model.tables(4).map((buffer) => {
      const inline = buffer.vector(0, 1);
      if (inline.length > 0) return bytes.subarray(inline.start, inline.start + inline.length);
      const offset = buffer.uint64(1);
      const size = buffer.uint64(2);
      if (offset > 1 && size > 0) {
        if (offset + size > bytes.length) throw new Error(`buffer at byte ${offset} (${size} bytes) runs past the end of the file`);
        return bytes.subarray(offset, offset + size);
      }
      return null;
    });
    const subgraphs = model.tables(2);
    if (subgraphs.length === 0) throw new Error('the model has no subgraph');
    const graph = subgraphs[0];
    const tensors = graph.tables(0).map((t, index): TfliteTensor => {
      const type = TENSOR_TYPES[t.int8(1)] ?? `type#${t.int8(1)}`;
      const bufferIndex = t.uint32(2);
      if (bufferIndex >= buffers.length) throw new Error(`tensor ${index} names buffer ${bufferIndex} of ${buffers.length}`);
      return {
        index,
        name: t.string(3),
        shape: t.int32s(0),
        type,
        data: buffers[bufferIndex] ?? null,
        quantization: readQuantization(bb, t.table(4)),
      };
    });
    const operators = graph.tables(3).map((o): TfliteOperator => {
      const opcode = o.uint32(0);
      if (opcode >= opcodes.length) throw new Error(`an operator names opcode ${opcode} of ${opcodes.length}`);
      const op = opcodes[opcode];
      return { op, inputs: o.int32s(1), outputs: o.int32s(2), options: readOptions(op, o.table(4)) };
    });
    return { source, tensors, operators, inputs: graph.int32s(1), outputs: graph.int32s(2) };
  } catch (err) {
    throw new Error(`${source}: corrupt or truncated TFLite model (${(err as Error).message})`);
  }
}

/**
 * A constant tensor's values as float32: quantized types (uint8, int8, int32)
 * are dequantized with their (per-channel) scale and zero point.
 */
export function tensorValues(model: TfliteModel, tensor: TfliteTensor): Float32Array {
  const where = `${model.source}: tensor ${tensor.index} "${tensor.name}"`;
  if (!tensor.data) throw new Error(`${where} has no constant data`);
  const count = tensor.shape.reduce((a, b) => a * b, 1);
  const bytesPer: Record<string, number> = { float32: 4, uint8: 1, int8: 1, int32: 4, float16: 2 };
  const size = bytesPer[tensor.type];
  if (size === undefined) throw new Error(`${where}: unsupported type ${tensor.type}`);
  if (tensor.data.length !== count * size) {
    throw new Error(`${where}: ${tensor.data.length} bytes for shape [${tensor.shape.join(', ')}] of ${tensor.type}`);
  }
  const view = new DataView(tensor.data.buffer, tensor.data.byteOffset, tensor.data.byteLength);
  const raw = new Float32Array(count);
  for (let i = 0; i < count; i++) {
    switch (tensor.type) {
      case 'float32': raw[i] = view.getFloat32(4 * i, true); break;
      case 'int32': raw[i] = view.getInt32(4 * i, true); break;
      case 'uint8': raw[i] = view.getUint8(i); break;
      case 'int8': raw[i] = view.getInt8(i); break;
      default: raw[i] = halfToFloat(view.getUint16(2 * i, true));
    }
  }
  const q = tensor.quantization;
  if (tensor.type === 'float32' || tensor.type === 'float16' || !q) return raw;
  return dequantize(raw, tensor.shape, q, where);
}

/** Applies real = scale · (q − zeroPoint), with per-channel parameters along `q.axis`. */
function dequantize(raw: Float32Array, shape: number[], q: TfliteQuantization, where: string): Float32Array {
  const channels = q.scale.length;
  if (channels === 1) {
    const [s, z] = [q.scale[0], q.zeroPoint[0]];
    return raw.map((v) => s * (v - z));
  }
  if (shape[q.axis] !== channels) {
    throw new Error(`${where}: ${channels} quantization scales for axis ${q.axis} of shape [${shape.join(', ')}]`);
  }
  const inner = shape.slice(q.axis + 1).reduce((a, b) => a * b, 1);
  const out = new Float32Array(raw.length);
  for (let i = 0; i < raw.length; i++) {
    const c = Math.floor(i / inner) % channels;
    out[i] = q.scale[c] * (raw[i] - q.zeroPoint[c]);
  }
  return out;
}

/** IEEE half → float. */
function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * 2 ** -14 * (frac / 1024);
  if (exp === 31) return frac ? NaN : sign * Infinity;
  return sign * 2 ** (exp - 15) * (1 + frac / 1024);
}
