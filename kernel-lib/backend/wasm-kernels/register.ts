import * as tf from '@tensorflow/tfjs';
import { conv2dBackpropFilterWasmConfig } from './conv2d-backprop-filter';
import { conv2dBackpropInputWasmConfig } from './conv2d-backprop-input';
import { unsortedSegmentSumWasmConfig } from './unsorted-segment-sum';
import { makeBatchMatMulWasmConfig } from './batch-mat-mul';

/** Kernels medsynth adds to (or replaces in) the wasm backend so that training works. */
export const WASM_TRAINING_KERNELS: tf.KernelConfig[] = [
  conv2dBackpropFilterWasmConfig,
  conv2dBackpropInputWasmConfig,
  unsortedSegmentSumWasmConfig,
];

let registered = false;

/**
 * Registers the training kernels on the wasm backend, replacing its built-in
 * Conv2DBackpropInput (a reference loop, about 10× slower than the forward Conv2D) and
 * wrapping its BatchMatMul so that transposed operands are copied first (batch-mat-mul.ts).
 * Safe to call more than once.
 */
export function registerWasmTrainingKernels(): void {
  if (registered) return;
  const builtInMatMul = tf.getKernel(tf.BatchMatMul, 'wasm');
  const configs = builtInMatMul ? [...WASM_TRAINING_KERNELS, makeBatchMatMulWasmConfig(builtInMatMul)] : WASM_TRAINING_KERNELS;
  for (const config of configs) {
    if (tf.getKernel(config.kernelName, 'wasm')) tf.unregisterKernel(config.kernelName, 'wasm');
    tf.registerKernel(config);
  }
  registered = true;
}
