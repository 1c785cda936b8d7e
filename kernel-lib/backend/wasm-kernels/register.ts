import * as tf from '@tensorflow/tfjs';
import { conv2dBackpropFilterWasmConfig } from './conv2d-backprop-filter';
import { conv2dBackpropInputWasmConfig } from './conv2d-backprop-input';
import { unsortedSegmentSumWasmConfig } from './unsorted-segment-sum';

/** Kernels medsynth adds to (or replaces in) the wasm backend so that training works. */
export const WASM_TRAINING_KERNELS: tf.KernelConfig[] = [
  conv2dBackpropFilterWasmConfig,
  conv2dBackpropInputWasmConfig,
  unsortedSegmentSumWasmConfig,
];

let registered = false;

/**
 * Registers the training kernels on the wasm backend, replacing its built-in
 * Conv2DBackpropInput (a reference loop, about 10× slower than the forward Conv2D).
 * Safe to call more than once.
 */
export function registerWasmTrainingKernels(): void {
  if (registered) return;
  for (const config of WASM_TRAINING_KERNELS) {
    if (tf.getKernel(config.kernelName, 'wasm')) tf.unregisterKernel(config.kernelName, 'wasm');
    tf.registerKernel(config);
  }
  registered = true;
}
