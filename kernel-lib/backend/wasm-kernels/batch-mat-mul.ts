import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { callKernel, release } from './call-kernel';

/**
 * BatchMatMul for the wasm backend that transposes an operand with the Transpose kernel
 * first when `transposeA` or `transposeB` is set, then runs the built-in BatchMatMul without
 * transposes. The built-in kernel of tfjs-backend-wasm 4.22 was measured here to be about 10×
 * slower with a transposed operand than the copy plus the contiguous product. The backward
 * pass of every dense layer uses both transposed forms.
 */
export function makeBatchMatMulWasmConfig(builtIn: tf.KernelConfig): tf.KernelConfig {
  return {
    kernelName: tf.BatchMatMul,
    backendName: 'wasm',
    setupFunc: builtIn.setupFunc,
    kernelFunc: ({ inputs, backend, attrs }) => {
      const wasm = backend as BackendWasm;
      const { a, b } = inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
      const { transposeA, transposeB } = attrs as unknown as { transposeA: boolean; transposeB: boolean };
      const swapLastTwo = (x: tf.TensorInfo): tf.TensorInfo => {
        const rank = x.shape.length;
        const perm = [...Array(rank - 2).keys(), rank - 1, rank - 2];
        return callKernel(wasm, tf.Transpose, { x }, { perm });
      };
      const left = transposeA ? swapLastTwo(a) : a;
      const right = transposeB ? swapLastTwo(b) : b;
      try {
        const out = builtIn.kernelFunc({ inputs: { a: left, b: right }, backend, attrs: { ...attrs, transposeA: false, transposeB: false } });
        return out as tf.TensorInfo;
      } finally {
        if (transposeA) release(wasm, left);
        if (transposeB) release(wasm, right);
      }
    },
  };
}
