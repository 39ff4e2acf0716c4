// Which layers are torchts's own: they return fresh tensors and keep no
// reference to their inputs or outputs (Sequential relies on that to free
// intermediate activations early).
import type { Module } from './module';
import { Linear, Identity } from './linear';
import { ReLU, Sigmoid, Tanh, Softmax, LogSoftmax } from './activation';
import { Dropout } from './dropout';
import { Flatten } from './flatten';

const BUILTIN_LAYERS = [Linear, Identity, ReLU, Sigmoid, Tanh, Softmax, LogSoftmax, Dropout, Flatten];

export function isBuiltinLayer(m: Module): boolean {
  return BUILTIN_LAYERS.some((cls) => m.constructor === cls);
}
