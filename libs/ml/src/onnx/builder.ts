/**
 * A small generic ONNX graph builder over onnx-proto (protobufjs): inputs, outputs, initializers,
 * nodes with typed attributes, opset imports and metadata, serialised to model bytes. Exporters
 * (tree ensembles, neural nets with Gemm/Relu/...) only describe their graph with it.
 */
import { onnx } from 'onnx-proto';

export type ElemType = 'float' | 'double' | 'int64' | 'int32' | 'bool' | 'string';

const ELEM: Record<ElemType, number> = {
  float: onnx.TensorProto.DataType.FLOAT,
  double: onnx.TensorProto.DataType.DOUBLE,
  int64: onnx.TensorProto.DataType.INT64,
  int32: onnx.TensorProto.DataType.INT32,
  bool: onnx.TensorProto.DataType.BOOL,
  string: onnx.TensorProto.DataType.STRING,
};

export function elemTypeCode(t: ElemType): number {
  return ELEM[t];
}

/** A dimension: a fixed size or a symbolic name such as 'N'. */
export type Dim = number | string;

export type AttributeValue =
  | { kind: 'float'; value: number }
  | { kind: 'int'; value: number }
  | { kind: 'string'; value: string }
  | { kind: 'floats'; value: ArrayLike<number> }
  | { kind: 'ints'; value: ArrayLike<number> }
  | { kind: 'strings'; value: string[] }
  | { kind: 'tensor'; value: onnx.ITensorProto };

/** Attribute constructors: attr.ints([...]), attr.float(0.5), ... */
export const attr = {
  float: (value: number): AttributeValue => ({ kind: 'float', value }),
  int: (value: number): AttributeValue => ({ kind: 'int', value }),
  string: (value: string): AttributeValue => ({ kind: 'string', value }),
  floats: (value: ArrayLike<number>): AttributeValue => ({ kind: 'floats', value }),
  ints: (value: ArrayLike<number>): AttributeValue => ({ kind: 'ints', value }),
  strings: (value: string[]): AttributeValue => ({ kind: 'strings', value }),
  tensor: (value: onnx.ITensorProto): AttributeValue => ({ kind: 'tensor', value }),
};

const utf8 = new TextEncoder();

function toAttribute(name: string, a: AttributeValue): onnx.IAttributeProto {
  const T = onnx.AttributeProto.AttributeType;
  switch (a.kind) {
    case 'float':
      return { name, type: T.FLOAT, f: a.value };
    case 'int':
      return { name, type: T.INT, i: a.value };
    case 'string':
      return { name, type: T.STRING, s: utf8.encode(a.value) };
    case 'floats':
      return { name, type: T.FLOATS, floats: Array.from(a.value) };
    case 'ints':
      return { name, type: T.INTS, ints: Array.from(a.value) };
    case 'strings':
      return { name, type: T.STRINGS, strings: a.value.map((s) => utf8.encode(s)) };
    case 'tensor':
      return { name, type: T.TENSOR, t: a.value };
    default: {
      const never: never = a;
      throw new Error(`unknown attribute ${JSON.stringify(never)}`);
    }
  }
}

/** A dense tensor (little-endian raw data for numeric types). */
export function makeTensor(
  name: string,
  type: Exclude<ElemType, 'string' | 'bool'>,
  dims: number[],
  values: ArrayLike<number>,
): onnx.ITensorProto {
  const count = dims.reduce((a, b) => a * b, 1);
  if (values.length !== count) throw new Error(`tensor ${name}: ${values.length} values for dims [${dims.join(', ')}]`);
  let bytes: Uint8Array;
  switch (type) {
    case 'float':
      bytes = new Uint8Array(Float32Array.from(values).buffer);
      break;
    case 'double':
      bytes = new Uint8Array(Float64Array.from(values).buffer);
      break;
    case 'int32':
      bytes = new Uint8Array(Int32Array.from(values).buffer);
      break;
    case 'int64':
      bytes = new Uint8Array(BigInt64Array.from(Array.from(values, (v) => BigInt(v))).buffer);
      break;
    default: {
      const never: never = type;
      throw new Error(`unsupported tensor type ${String(never)}`);
    }
  }
  return { name, dims, dataType: ELEM[type], rawData: bytes };
}

function valueInfo(name: string, type: ElemType, shape: Dim[]): onnx.IValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType: ELEM[type],
        shape: { dim: shape.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
      },
    },
  };
}

export interface ModelOptions {
  producerName: string;
  producerVersion?: string;
  /** Opset per domain, '' being the default domain, e.g. { '': 17, 'ai.onnx.ml': 3 }. */
  opsets: Record<string, number>;
  /** Default 8. */
  irVersion?: number;
  modelVersion?: number;
  docString?: string;
  metadata?: Record<string, string>;
}

export class OnnxGraphBuilder {
  private readonly nodes: onnx.INodeProto[] = [];
  private readonly inputs: onnx.IValueInfoProto[] = [];
  private readonly outputs: onnx.IValueInfoProto[] = [];
  private readonly initializers: onnx.ITensorProto[] = [];
  private readonly names = new Set<string>();
  private counter = 0;

  constructor(readonly name: string) {}

  /** A fresh value name starting with prefix. */
  uniqueName(prefix: string): string {
    let candidate = prefix;
    while (this.names.has(candidate)) candidate = `${prefix}_${++this.counter}`;
    this.names.add(candidate);
    return candidate;
  }

  private claim(name: string): string {
    if (this.names.has(name)) throw new Error(`ONNX value name ${name} is used twice`);
    this.names.add(name);
    return name;
  }

  input(name: string, type: ElemType, shape: Dim[]): string {
    this.inputs.push(valueInfo(this.claim(name), type, shape));
    return name;
  }

  /** Declares an existing value (a node output) as a graph output. */
  output(name: string, type: ElemType, shape: Dim[]): string {
    this.outputs.push(valueInfo(name, type, shape));
    return name;
  }

  initializer(
    name: string,
    type: Exclude<ElemType, 'string' | 'bool'>,
    dims: number[],
    values: ArrayLike<number>,
  ): string {
    const n = this.uniqueName(name);
    this.initializers.push(makeTensor(n, type, dims, values));
    return n;
  }

  /**
   * Adds a node. Output names are made unique (an output named like the graph output must be free);
   * returns them.
   */
  node(
    opType: string,
    inputs: string[],
    outputs: string[],
    attributes: Record<string, AttributeValue> = {},
    options: { domain?: string; name?: string } = {},
  ): string[] {
    const outs = outputs.map((o) => this.uniqueName(o));
    this.nodes.push({
      opType,
      input: inputs,
      output: outs,
      name: options.name ?? this.uniqueName(`${opType}_node`),
      domain: options.domain ?? '',
      attribute: Object.entries(attributes).map(([k, v]) => toAttribute(k, v)),
    });
    return outs;
  }

  toModel(o: ModelOptions): onnx.IModelProto {
    return {
      irVersion: o.irVersion ?? 8,
      opsetImport: Object.entries(o.opsets).map(([domain, version]) => ({ domain, version })),
      producerName: o.producerName,
      producerVersion: o.producerVersion ?? '',
      modelVersion: o.modelVersion ?? 1,
      docString: o.docString ?? '',
      graph: {
        name: this.name,
        node: this.nodes,
        input: this.inputs,
        output: this.outputs,
        initializer: this.initializers,
      },
      metadataProps: Object.entries(o.metadata ?? {}).map(([key, value]) => ({ key, value })),
    };
  }

  /** Serialised model bytes. */
  serialize(o: ModelOptions): Uint8Array {
    return onnx.ModelProto.encode(onnx.ModelProto.create(this.toModel(o))).finish();
  }
}

/** Decodes model bytes (for inspection and tests). */
export function decodeModel(bytes: Uint8Array): onnx.ModelProto {
  return onnx.ModelProto.decode(bytes);
}
