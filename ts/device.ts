// torch.device: 'cpu', 'cuda', 'cuda:N', 'mps'.
import { describe } from './validate';
export type DeviceType = 'cpu' | 'cuda' | 'mps';

export class Device {
  readonly type: DeviceType;
  readonly index: number | null;

  constructor(spec: string | Device, index?: number) {
    if (spec instanceof Device) {
      this.type = spec.type;
      this.index = spec.index;
      return;
    }
    if (typeof spec !== 'string') throw new TypeError(`device must be a string like 'cpu' or 'cuda:0', got ${describe(spec)}`);
    const match = /^(cpu|cuda|mps)(?::(\d+))?$/.exec(spec);
    if (!match) {
      throw new Error(`Expected one of cpu, cuda, mps device type at start of device string: ${spec.includes('\n') ? JSON.stringify(spec) : spec}`);
    }
    this.type = match[1] as DeviceType;
    this.index = match[2] !== undefined ? Number(match[2]) : index ?? null;
  }

  toString(): string {
    return this.index === null ? this.type : `${this.type}:${this.index}`;
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return `device(type='${this.type}'${this.index === null ? '' : `, index=${this.index}`})`;
  }
}

export type DeviceLike = Device | string;

export function device(spec: DeviceLike, index?: number): Device {
  return new Device(spec, index);
}

/** The string the native layer takes ('cpu', 'cuda:0', 'mps'). */
export function deviceString(d: DeviceLike | undefined): string | undefined {
  if (d === undefined) return undefined;
  return new Device(d).toString();
}
