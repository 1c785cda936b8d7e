import * as tf from '@tensorflow/tfjs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { selectBackend } from '../../kernel-lib/backend/select';
import { createParams, disposeParams } from '../../kernel-lib/nets/params';
import { UNetConfig, unetForward, unetParamSpecs } from '../../kernel-lib/nets/unet';
import { NetworkDescription, buildNetwork } from '../../kernel-lib/train/network-description';
import { Random } from '../../kernel-lib/util/random';

const UNET: UNetConfig = { widths: [4, 8], numResBlocks: 1, embeddingDim: 8, numClasses: 2, normGroups: 4, midAttention: false, inChannels: 1, outChannels: 1 };

test.before(async () => {
  await selectBackend({ backend: 'cpu' });
});

test('buildNetwork survives structured cloning', () => {
  const description: NetworkDescription = structuredClone({ kind: 'unet', config: UNET });
  const network = buildNetwork(description);
  assert.equal(network.paramSpecs, unetParamSpecs(UNET));

  const params = createParams(network.paramSpecs, new Random(3));
  const rng = new Random(4);
  const x = tf.tensor4d(rng.normalArray(2 * 8 * 8), [2, 8, 8, 1]);
  const t = tf.tensor1d([3, 50], 'int32');
  const y = tf.tensor1d([0, 2], 'int32');
  const built = network.forward(params, x, t, y);
  const direct = unetForward(UNET, params, x, t, y);
  assert.equal(Array.from(built.dataSync()), Array.from(direct.dataSync()));
  tf.dispose([x, t, y, built, direct]);
  disposeParams(params);
});

test('buildNetwork rejects an unknown kind', () => {
  assert.throws(() => buildNetwork({ kind: 'mlp', config: UNET } as unknown as NetworkDescription), /unknown network kind "mlp"; use one of unet/);
});

test.run();
