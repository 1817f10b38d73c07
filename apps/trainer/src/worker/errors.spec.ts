import { InvalidJobError } from '@shelfcast/queue';
import { RegistryError } from '@shelfcast/registry-client';

import { InvalidSpecError, ParityCheckFailed } from '../pipeline';
import { classify, PermanentRunError } from './errors';

describe('classify', () => {
  it('never retries a bad spec or a deterministic failure', () => {
    expect(classify(new InvalidSpecError('unknown feature set'))).toEqual({
      kind: 'invalid_spec',
      retry: false,
      message: 'unknown feature set',
    });
    expect(classify(new InvalidJobError('train', 'horizon: too small')).retry).toBe(false);
    expect(classify(new ParityCheckFailed(0.1, 1e-4, 3))).toMatchObject({ kind: 'internal', retry: false });
    expect(classify(new PermanentRunError('no series'))).toMatchObject({ kind: 'invalid_spec', retry: false });
  });

  it('does not retry what the registry refused, and retries what it could not answer', () => {
    const refused = classify(new RegistryError('answered 400: bad signature', 400, 'invalid_request', {}));
    expect(refused).toMatchObject({ kind: 'invalid_spec', retry: false });
    expect(refused.message).toContain('the registry refused');
    expect(classify(new RegistryError('failed (ECONNREFUSED)', 0, 'network_error', undefined))).toMatchObject({
      kind: 'transient',
      retry: true,
    });
    expect(classify(new RegistryError('answered 503', 503, 'http_503', {})).retry).toBe(true);
  });

  it('retries anything else (a database restart, a reset connection)', () => {
    expect(classify(new Error('terminating connection due to administrator command'))).toMatchObject({
      kind: 'transient',
      retry: true,
    });
  });
});
