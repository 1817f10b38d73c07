/**
 * Training losses on raw network outputs and scaled targets (both [B, O]), averaged over every value.
 *
 * mse      (r − y)²
 * poisson  exp(r) − y·r          (negative log-likelihood of a Poisson with log mean r, up to a constant)
 * pinball  max(α·(y − r), (α − 1)·(y − r))
 */
import type * as TF from '@tensorflow/tfjs';
import type { Tf } from './backend';
import type { NnLossConfig } from './types';

export function checkLoss(loss: NnLossConfig): NnLossConfig {
  switch (loss.type) {
    case 'mse':
    case 'poisson':
      return { type: loss.type };
    case 'pinball':
      if (!(loss.alpha > 0 && loss.alpha < 1)) throw new Error(`pinball alpha must be in (0, 1), got ${loss.alpha}`);
      return { type: 'pinball', alpha: loss.alpha };
    default: {
      const never: never = loss;
      throw new Error(`unknown loss ${JSON.stringify(never)}`);
    }
  }
}

/** Mean loss (a scalar tensor). */
export function nnLoss(tf: Tf, loss: NnLossConfig, raw: TF.Tensor, y: TF.Tensor): TF.Scalar {
  switch (loss.type) {
    case 'mse':
      return tf.mean(tf.squaredDifference(raw, y));
    case 'poisson':
      return tf.mean(tf.sub(tf.exp(raw), tf.mul(y, raw)));
    case 'pinball': {
      const u = tf.sub(y, raw);
      return tf.mean(tf.maximum(tf.mul(u, loss.alpha), tf.mul(u, loss.alpha - 1)));
    }
    default: {
      const never: never = loss;
      throw new Error(`unknown loss ${JSON.stringify(never)}`);
    }
  }
}
