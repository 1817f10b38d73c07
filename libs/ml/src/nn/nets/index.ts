/**
 * The networks by kind.
 */
import { lstmNet } from './lstm';
import { mlpNet } from './mlp';
import { tcnNet } from './tcn';
import { transformerNet } from './transformer';
import type { Net, NetConfig } from './types';

export type { LstmConfig, MlpConfig, NetConfig, TcnConfig, TransformerConfig, TensorMap, WeightMap } from './types';
export { positionalEncoding } from './transformer';

/** The network of a configuration. */
export function netOf<C extends NetConfig>(config: C): Net<C> {
  const nets: { [K in NetConfig['kind']]: Net<Extract<NetConfig, { kind: K }>> } = {
    mlp: mlpNet,
    rnn: lstmNet,
    tcn: tcnNet,
    transformer: transformerNet,
  };
  return nets[config.kind] as unknown as Net<C>;
}
