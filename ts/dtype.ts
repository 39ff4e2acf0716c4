// torch.dtype values: singletons, so `t.dtype === torch.float32` works, and
// printed as Python prints them.
export type DTypeName = 'float32' | 'float64' | 'float16' | 'bfloat16' | 'int8' | 'int16' | 'int32' | 'int64' | 'uint8' | 'bool';

export class DType {
  private constructor(
    readonly name: DTypeName,
    readonly itemSize: number,
    readonly isFloatingPoint: boolean,
  ) {}

  toString(): string {
    return `torch.${this.name}`;
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }

  static readonly all: Record<DTypeName, DType> = {
    float32: new DType('float32', 4, true),
    float64: new DType('float64', 8, true),
    float16: new DType('float16', 2, true),
    bfloat16: new DType('bfloat16', 2, true),
    int8: new DType('int8', 1, false),
    int16: new DType('int16', 2, false),
    int32: new DType('int32', 4, false),
    int64: new DType('int64', 8, false),
    uint8: new DType('uint8', 1, false),
    bool: new DType('bool', 1, false),
  };
}

export const float32 = DType.all.float32;
export const float = float32;
export const float64 = DType.all.float64;
export const double = float64;
export const float16 = DType.all.float16;
export const half = float16;
export const bfloat16 = DType.all.bfloat16;
export const int8 = DType.all.int8;
export const int16 = DType.all.int16;
export const int32 = DType.all.int32;
export const int = int32;
export const int64 = DType.all.int64;
export const long = int64;
export const uint8 = DType.all.uint8;
export const bool = DType.all.bool;

export type DTypeLike = DType | DTypeName;

export function dtypeName(dtype: DTypeLike | undefined): DTypeName | undefined {
  if (dtype === undefined) return undefined;
  if (dtype instanceof DType) return dtype.name;
  if (typeof dtype === 'string' && dtype in DType.all) return dtype;
  throw new TypeError(`dtype must be a torch dtype such as torch.float32, got ${String(dtype)}`);
}

export function toDType(name: string): DType {
  const d = DType.all[name as DTypeName];
  if (!d) throw new TypeError(`unsupported dtype ${name}`);
  return d;
}
