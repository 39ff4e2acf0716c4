// Comparing torchts tensors with PyTorch's fixture tensors, bit for bit.
import { expect } from 'vitest';
import type { Tensor } from '../../ts/tensor';
import type { Module } from '../../ts/nn';
import { float32Bits, values, type TensorJson } from '../fixtures/nn_fixture';

export type StateJson = Record<string, TensorJson>;

/** Bit patterns for floats, plain values for integers: "equal" is bit-identical (NaN equals NaN). */
export function bits(t: Tensor): number[] {
  return t.dtype.isFloatingPoint ? float32Bits(values(t)) : values(t);
}

export function jsonBits(j: TensorJson): number[] {
  return j.dtype === 'float32' ? float32Bits(j.values as number[]) : (j.values as number[]);
}

/** Shape, then every value bit for bit. */
export function expectTensorBits(t: Tensor, expected: TensorJson, label: string): void {
  expect(t.shape, label).toEqual(expected.shape);
  expect(bits(t), label).toEqual(jsonBits(expected));
}

/** A module's state dict: the keys in PyTorch's order, then each tensor bit for bit. */
export function expectState(module: Module, expected: StateJson): void {
  const state = module.stateDict();
  expect([...state.keys()]).toEqual(Object.keys(expected));
  for (const [name, t] of state) expectTensorBits(t, expected[name]!, name);
}
