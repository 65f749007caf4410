/**
 * Builds an ONNX graph node by node: named values, float32 weights and int64
 * constants as initializers, typed attributes. `toModel` wraps it as a model
 * of opset 17 for `encodeModel` (proto.ts).
 */
import { ATTRIBUTE_TYPE, ONNX_FLOAT, ONNX_INT64, type AttributeMessage, type ModelMessage, type NodeMessage, type TensorMessage, type ValueInfoMessage } from './proto';

/** The ONNX operator set the graphs use. */
export const ONNX_OPSET = 17;

/** A node attribute, typed as ONNX types it (a bare number would not say int or float). */
export type OnnxAttribute = { f: number } | { i: number } | { s: string } | { floats: number[] } | { ints: number[] };

/** A graph input/output dimension: a fixed size or a symbolic name (dynamic). */
export type OnnxDim = number | string;

function attribute(name: string, a: OnnxAttribute): AttributeMessage {
  if ('f' in a) return { name, type: ATTRIBUTE_TYPE.FLOAT, f: a.f };
  if ('i' in a) return { name, type: ATTRIBUTE_TYPE.INT, i: a.i };
  if ('s' in a) return { name, type: ATTRIBUTE_TYPE.STRING, s: new TextEncoder().encode(a.s) };
  if ('floats' in a) return { name, type: ATTRIBUTE_TYPE.FLOATS, floats: a.floats };
  return { name, type: ATTRIBUTE_TYPE.INTS, ints: a.ints };
}

function valueInfo(name: string, elemType: number, dims: OnnxDim[]): ValueInfoMessage {
  const dim = dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d }));
  return { name, type: { tensorType: { elemType, shape: { dim } } } };
}

function bytesOf(a: Float32Array | BigInt64Array): Uint8Array {
  // ONNX raw data is little-endian, as typed arrays are on every platform Node and browsers run on.
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

/** An ONNX graph under construction. */
export class OnnxGraph {
  private readonly nodes: NodeMessage[] = [];
  private readonly initializers: TensorMessage[] = [];
  private readonly inputs: ValueInfoMessage[] = [];
  private readonly outputs: ValueInfoMessage[] = [];
  private readonly used = new Set<string>();
  private readonly int64Constants = new Map<string, string>();
  private clipBounds: [string, string] | null = null;

  /** A value name not used yet, from `base` (a module path such as `backbone.stem`). */
  fresh(base: string): string {
    let name = base;
    for (let k = 1; this.used.has(name); k++) name = `${base}_${k}`;
    this.used.add(name);
    return name;
  }

  /** Declares a float32 graph input. */
  input(name: string, dims: OnnxDim[], elemType: 'float32' | 'int64' = 'float32'): string {
    this.used.add(name);
    this.inputs.push(valueInfo(name, elemType === 'float32' ? ONNX_FLOAT : ONNX_INT64, dims));
    return name;
  }

  /** Declares value `value` a float32 graph output named `name` (an Identity node renames it). */
  output(value: string, name: string, dims: OnnxDim[]): void {
    if (value !== name) this.op('Identity', [value], {}, name);
    this.outputs.push(valueInfo(name, ONNX_FLOAT, dims));
  }

  /** A float32 weight (initializer) named `name`. */
  weight(name: string, data: Float32Array, dims: number[]): string {
    const n = dims.reduce((a, b) => a * b, 1);
    if (n !== data.length) throw new Error(`ONNX weight ${name}: ${data.length} values for shape [${dims.join(', ')}]`);
    const unique = this.fresh(name);
    this.initializers.push({ name: unique, dims, dataType: ONNX_FLOAT, rawData: bytesOf(data) });
    return unique;
  }

  /** A 1-D int64 constant (shapes, axes, indices); equal constants are shared. */
  int64s(values: number[]): string {
    const key = values.join(',');
    const known = this.int64Constants.get(key);
    if (known) return known;
    const name = this.fresh(`const_i64_${values.map((v) => (v < 0 ? `m${-v}` : v)).join('_')}`);
    this.initializers.push({ name, dims: [values.length], dataType: ONNX_INT64, rawData: bytesOf(BigInt64Array.from(values.map(BigInt))) });
    this.int64Constants.set(key, name);
    return name;
  }

  /** A float32 constant of shape `dims` (a scalar for []). */
  floats(name: string, values: number[], dims: number[] = [values.length]): string {
    return this.weight(name, Float32Array.from(values), dims);
  }

  /** Adds a node with one output, named after `name` (default: the op type); returns the output. */
  op(opType: string, inputs: string[], attrs: Record<string, OnnxAttribute> = {}, name: string = opType): string {
    return this.opMulti(opType, inputs, attrs, 1, name)[0];
  }

  /** Adds a node with `outputs` outputs. */
  opMulti(opType: string, inputs: string[], attrs: Record<string, OnnxAttribute>, outputs: number, name: string = opType): string[] {
    const nodeName = this.fresh(`${name}/${opType}`);
    const outs = Array.from({ length: outputs }, (_, k) => this.fresh(outputs === 1 ? name : `${name}:${k}`));
    this.nodes.push({
      input: inputs,
      output: outs,
      name: nodeName,
      opType,
      attribute: Object.entries(attrs).map(([key, a]) => attribute(key, a)),
    });
    return outs;
  }

  /** The graph as an ONNX model message. */
  toModel(graphName: string, metadata: Record<string, string>, producerVersion: string, docString = ''): ModelMessage {
    return {
      irVersion: 8,
      producerName: 'guideseg',
      producerVersion,
      docString,
      opsetImport: [{ domain: '', version: ONNX_OPSET }],
      metadataProps: Object.entries(metadata).map(([key, value]) => ({ key, value })),
      graph: { name: graphName, node: this.nodes, initializer: this.initializers, input: this.inputs, output: this.outputs },
    };
  }

  /** min(max(x, 0), 6) as an ONNX `Clip` node. */
  relu6(x: string, name: string): string {
    this.clipBounds ??= [this.floats('relu6.min', [0], []), this.floats('relu6.max', [6], [])];
    return this.op('Clip', [x, ...this.clipBounds], {}, name);
  }

  /** Number of nodes so far (tests and reports). */
  get nodeCount(): number {
    return this.nodes.length;
  }
}
