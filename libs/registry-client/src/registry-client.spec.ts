import { ArtifactIntegrityError, artifactUpload, RegistryClient, RegistryError, sha256Hex } from '../src';

const VERSION = {
  name: 'm',
  version: 1,
  runId: 'r',
  family: 'gbdt',
  artifact: { sha256: 'a'.repeat(64), size: 3, format: 'onnx' },
  signature: {
    inputs: [{ name: 'x', type: 'float32', shape: [null, 1] }],
    outputs: [{ name: 'y', type: 'float32', shape: [null, 1] }],
    featureSet: 'retail@1+abc',
    features: ['f'],
    frequency: 'daily',
    horizon: 7,
    quantiles: [0.5],
    target: {},
    postprocess: {},
  },
  hyperParameters: {},
  metrics: {
    windows: { key: 'w', cutoffs: ['2024-01-01'], horizon: 7, series: 1 },
    model: { wape: 0.1 },
    seasonalNaive: { wape: 0.2 },
  },
  dataset: {
    from: null,
    to: '2024-01-01',
    cutoff: '2024-01-01',
    knownAt: 'latest',
    rows: 1,
    series: 1,
    contentHash: 'h',
  },
  codeVersion: 'c',
  createdBy: 'u',
  tags: {},
  description: null,
  status: 'active',
  aliases: [],
  createdAt: '2024-01-01T00:00:00.000Z',
  archivedAt: null,
};

type Answer = Response | Error;

/** A fetch that answers from a script and records each request. */
function scripted(answers: Answer[]) {
  const requests: Array<{ url: string; method: string; body?: string }> = [];
  const fetchFn = (async (url: URL | string, init?: RequestInit) => {
    requests.push({ url: String(url), method: init?.method ?? 'GET', body: init?.body as string | undefined });
    const next = answers.shift();
    if (!next) throw new Error('no scripted answer left');
    if (next instanceof Error) throw next;
    return next;
  }) as typeof fetch;
  return { fetchFn, requests };
}

const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
const refused = () => Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNREFUSED' } });
const reset = () => Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNRESET' } });

const client = (fetchFn: typeof fetch) =>
  new RegistryClient({ baseUrl: 'http://registry:3004/', fetch: fetchFn, initialBackoffMs: 1, maxBackoffMs: 2 });

describe('RegistryClient', () => {
  it('retries a read after a 503 and a refused connection, then returns the checked answer', async () => {
    const { fetchFn, requests } = scripted([json(503, {}), refused(), json(200, VERSION)]);
    const version = await client(fetchFn).getVersion('m', 1);
    expect(version.version).toBe(1);
    expect(requests.map((r) => r.url)).toEqual(Array(3).fill('http://registry:3004/v1/models/m/versions/1'));
  });

  it('tells a new registration (201) from a repeated run id (200)', async () => {
    const { fetchFn } = scripted([json(201, VERSION), json(200, VERSION)]);
    const c = client(fetchFn);
    const body = {} as never;
    expect((await c.registerVersion('m', body)).created).toBe(true);
    expect((await c.registerVersion('m', body)).created).toBe(false);
  });

  it('retries a registration after a lost answer (it is idempotent by run id)', async () => {
    const { fetchFn, requests } = scripted([reset(), json(500, {}), json(200, VERSION)]);
    await client(fetchFn).registerVersion('m', {} as never);
    expect(requests).toHaveLength(3);
  });

  it('never repeats a rollback that may have reached the server, only one that surely did not', async () => {
    const lost = scripted([reset(), json(200, {})]);
    const error = (await client(lost.fetchFn)
      .rollback('m', 'production', { actor: 'a', reason: 'b' })
      .catch((e: unknown) => e)) as RegistryError;
    expect(error).toBeInstanceOf(RegistryError);
    expect([error.status, error.code]).toEqual([0, 'network_error']);
    expect(lost.requests).toHaveLength(1);

    const answer500 = scripted([json(500, { error: { status: 500, code: 'internal_error', message: 'x' } })]);
    await expect(client(answer500.fetchFn).rollback('m', 'p', { actor: 'a', reason: 'b' })).rejects.toMatchObject({
      status: 500,
    });
    expect(answer500.requests).toHaveLength(1);

    const unsent = scripted([
      refused(),
      json(200, { name: 'm', alias: 'p', version: 1, previousVersion: 2, moved: true, forced: false, gate: null }),
    ]);
    expect((await client(unsent.fetchFn).rollback('m', 'p', { actor: 'a', reason: 'b' })).version).toBe(1);
    expect(unsent.requests).toHaveLength(2);
  });

  it('raises 4xx answers at once as RegistryError with code, details and gate figures', async () => {
    const gate = { outcome: 'gate_refused', candidate: { version: 2, value: 0.3 } };
    const { fetchFn, requests } = scripted([
      json(409, { error: { status: 409, code: 'gate_refused', message: 'worse than production', gate } }),
    ]);
    const error = (await client(fetchFn)
      .moveAlias('m', 'production', { version: 2, actor: 'a', reason: 'b' })
      .catch((e: unknown) => e)) as RegistryError;
    expect(error).toBeInstanceOf(RegistryError);
    expect([error.status, error.code, error.gate]).toEqual([409, 'gate_refused', gate]);
    expect(error.message).toContain('worse than production');
    expect(requests).toHaveLength(1);
    expect(JSON.parse(requests[0].body!)).toEqual({ version: 2, actor: 'a', reason: 'b' });
    expect(requests[0].method).toBe('PUT');
  });

  it('returns null for an unset alias with resolveAlias', async () => {
    const { fetchFn } = scripted([json(404, { error: { status: 404, code: 'alias_not_found', message: 'no' } })]);
    expect(await client(fetchFn).resolveAlias('m', 'production')).toBeNull();
  });

  it('checks downloaded artifacts against their sha256', async () => {
    const bytes = Buffer.from('model bytes');
    const good = scripted([new Response(bytes, { headers: { 'x-artifact-sha256': sha256Hex(bytes) } })]);
    expect((await client(good.fetchFn).getArtifact('m', 1)).bytes.equals(bytes)).toBe(true);
    const bad = scripted([new Response(bytes, { headers: { 'x-artifact-sha256': 'b'.repeat(64) } })]);
    await expect(client(bad.fetchFn).getArtifact('m', 1)).rejects.toBeInstanceOf(ArtifactIntegrityError);
  });

  it('sends search filters as query parameters (a tag per parameter) and pages through searchAll', async () => {
    const { fetchFn, requests } = scripted([
      json(200, { items: [VERSION], nextCursor: 'c1' }),
      json(200, { items: [{ ...VERSION, version: 2 }], nextCursor: null }),
    ]);
    const seen = [];
    for await (const v of client(fetchFn).searchAll({ name: 'm', tag: ['a:1', 'b:2'], maxMetric: 0.3, limit: 1 }))
      seen.push(v.version);
    expect(seen).toEqual([1, 2]);
    expect(requests[0].url).toBe('http://registry:3004/v1/models?name=m&tag=a%3A1&tag=b%3A2&maxMetric=0.3&limit=1');
    expect(requests[1].url).toContain('cursor=c1');
  });

  it('refuses an answer that does not match the contract', async () => {
    const { fetchFn } = scripted([json(200, { name: 'm' })]);
    await expect(client(fetchFn).getVersion('m', 1)).rejects.toMatchObject({ code: 'invalid_response' });
  });

  it('builds the artifact field of a registration from bytes', () => {
    const upload = artifactUpload(new Uint8Array([1, 2, 3]));
    expect(upload).toEqual({ format: 'onnx', base64: 'AQID', sha256: sha256Hex(Buffer.from([1, 2, 3])) });
  });
});
