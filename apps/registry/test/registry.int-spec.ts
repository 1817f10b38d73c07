import { createHash } from 'node:crypto';

import { RegistryError } from '@shelfcast/registry-client';

import { registration, startRegistry, WINDOWS, type Registry } from './harness';

const actor = { actor: 'ops@example.com', reason: 'weekly promotion' };

/** The RegistryError a call throws (fails the test when it succeeds). */
async function refusal(call: Promise<unknown>): Promise<RegistryError> {
  try {
    await call;
  } catch (e) {
    if (e instanceof RegistryError) return e;
    throw e;
  }
  throw new Error('expected the registry to refuse the call');
}

describe('model registry API', () => {
  let r: Registry;

  beforeAll(async () => {
    r = await startRegistry();
  });

  afterAll(async () => {
    await r?.close();
  });

  describe('registration', () => {
    it('registers immutable auto-numbered versions (201) and returns the same version for a repeated run id (200)', async () => {
      const first = await r.http('POST', '/v1/models/demand.daily/versions', registration('run-1'));
      expect(first.status).toBe(201);
      expect(first.headers.get('location')).toBe('/v1/models/demand.daily/versions/1');
      expect(first.body).toMatchObject({
        name: 'demand.daily',
        version: 1,
        runId: 'run-1',
        family: 'gbdt',
        status: 'active',
        aliases: [],
        archivedAt: null,
        codeVersion: 'abc1234',
        createdBy: 'trainer',
        tags: { team: 'forecasting' },
      });
      expect(first.body).not.toHaveProperty('artifact.base64');

      const second = await r.client.registerVersion('demand.daily', registration('run-2'));
      expect(second).toMatchObject({ created: true, version: { version: 2, runId: 'run-2' } });

      // The same run again (a retry after a lost answer, or a second worker): the first version, never a new one.
      const again = await r.http('POST', '/v1/models/demand.daily/versions', registration('run-1'));
      expect(again.status).toBe(200);
      expect(again.body).toMatchObject({ version: 1, runId: 'run-1', artifact: first.body.artifact });
      expect(await r.client.getModel('demand.daily')).toMatchObject({ latestVersion: 2, versions: 2, aliases: {} });
    });

    it('makes one version of concurrent registrations of the same run', async () => {
      const body = registration('run-concurrent');
      const answers = await Promise.all(
        Array.from({ length: 8 }, () => r.http('POST', '/v1/models/concurrent/versions', body)),
      );
      expect(answers.map((a) => a.status).sort()).toEqual([200, 200, 200, 200, 200, 200, 200, 201]);
      expect(new Set(answers.map((a) => a.body.version))).toEqual(new Set([1]));
      const rows = await r.prisma.modelVersion.count({ where: { modelName: 'concurrent' } });
      expect(rows).toBe(1);
      // Different runs at once get distinct consecutive numbers.
      const distinct = await Promise.all(
        ['a', 'b', 'c', 'd'].map((run) => r.client.registerVersion('concurrent', registration(run))),
      );
      expect(distinct.map((d) => d.version.version).sort()).toEqual([2, 3, 4, 5]);
    });

    it('keeps the artifact bytes and serves them back with their sha256', async () => {
      const bytes = Buffer.from(Array.from({ length: 300_000 }, (_, i) => (i * 31) % 251));
      const sha256 = createHash('sha256').update(bytes).digest('hex');
      const { version } = await r.client.registerVersion('bytes', registration('run-bytes', { bytes }));
      expect(version.artifact).toEqual({ sha256, size: bytes.length, format: 'onnx' });

      const raw = await fetch(`${r.base}/v1/models/bytes/versions/1/artifact`);
      expect(raw.status).toBe(200);
      expect(raw.headers.get('content-type')).toBe('application/octet-stream');
      expect(raw.headers.get('x-artifact-sha256')).toBe(sha256);
      expect(raw.headers.get('content-length')).toBe(String(bytes.length));
      expect(Buffer.from(await raw.arrayBuffer()).equals(bytes)).toBe(true);

      const viaClient = await r.client.getArtifact('bytes', 1);
      expect(viaClient.sha256).toBe(sha256);
      expect(viaClient.bytes.equals(bytes)).toBe(true);
    });

    it('refuses an artifact whose bytes do not match its sha256 (400, nothing registered)', async () => {
      const body = registration('run-bad-sha');
      body.artifact.sha256 = 'f'.repeat(64);
      const answer = await r.http('POST', '/v1/models/bad-sha/versions', body);
      expect(answer.status).toBe(400);
      expect(answer.body.error.code).toBe('sha256_mismatch');
      expect(answer.body.error.details?.[0].path).toBe('artifact.sha256');
      expect((await r.http('GET', '/v1/models/bad-sha')).status).toBe(404);
    });

    it('answers 400 with the path of every invalid field', async () => {
      const body = registration('run-invalid') as unknown as Record<string, unknown>;
      const answer = await r.http('POST', '/v1/models/invalid/versions', {
        ...body,
        family: '',
        signature: { ...(body.signature as object), horizon: 0 },
        metrics: { ...(body.metrics as object), model: { wape: 'low' } },
        unexpected: true,
      });
      expect(answer.status).toBe(400);
      expect(answer.body.error.code).toBe('invalid_request');
      const paths = answer.body.error.details?.map((d) => d.path).sort();
      expect(paths).toEqual(['', 'family', 'metrics.model.wape', 'signature.horizon'].sort());

      const badName = await r.http('POST', '/v1/models/Not%20Valid/versions', registration('x'));
      expect(badName.status).toBe(400);
      expect(badName.body.error.details?.[0].path).toBe('name');

      const notJson = await r.http('POST', '/v1/models/invalid/versions', '{"runId":');
      expect(notJson.status).toBe(400);
      expect(notJson.body.error.message).toContain('not valid JSON');

      const nul = await r.http('POST', '/v1/models/invalid/versions', {
        ...registration('nul'),
        description: 'a\u0000b',
      });
      expect(nul.status).toBe(400);
      expect(nul.body.error.details?.[0].path).toBe('description');

      const dates = registration('dates');
      dates.dataset.from = '2025-01-01';
      expect((await r.http('POST', '/v1/models/invalid/versions', dates)).body.error.details?.[0].path).toBe(
        'dataset.from',
      );
    });

    it('answers 413 for a body or artifact above the limits', async () => {
      const small = await startRegistry({ REGISTRY_MAX_BODY_BYTES: '4096', REGISTRY_MAX_ARTIFACT_BYTES: '1000' });
      try {
        const big = await small.http(
          'POST',
          '/v1/models/big/versions',
          registration('big', { bytes: Buffer.alloc(5000) }),
        );
        expect(big.status).toBe(413);
        expect(big.body.error.code).toBe('payload_too_large');
        const artifact = await small.http(
          'POST',
          '/v1/models/big/versions',
          registration('big', { bytes: Buffer.alloc(1500, 1) }),
        );
        expect(artifact.status).toBe(413);
        expect(artifact.body.error.details?.[0].path).toBe('artifact.base64');
      } finally {
        await small.close();
      }
    });

    it('answers 404 with a clear body for what does not exist', async () => {
      const model = await r.http('GET', '/v1/models/nothing-here');
      expect(model.status).toBe(404);
      expect(model.body.error).toMatchObject({
        code: 'model_not_found',
        message: "model 'nothing-here' is not registered",
      });
      const version = await r.http('GET', '/v1/models/demand.daily/versions/99');
      expect(version.body.error).toMatchObject({
        status: 404,
        code: 'version_not_found',
        message: "version 99 of model 'demand.daily' does not exist",
      });
      expect((await r.http('GET', '/v1/models/demand.daily/versions/99/artifact')).status).toBe(404);
      const alias = await refusal(r.client.getAlias('demand.daily', 'canary'));
      expect([alias.status, alias.code]).toEqual([404, 'alias_not_found']);
      expect(await r.client.resolveAlias('demand.daily', 'canary')).toBeNull();
      expect((await r.http('GET', '/v1/models/demand.daily/versions/abc')).body.error.details?.[0].path).toBe(
        'version',
      );
    });
  });

  describe('aliases', () => {
    const model = 'aliases';

    beforeAll(async () => {
      for (const [run, wape] of [
        ['a1', 0.25],
        ['a2', 0.2],
        ['a3', 0.15],
      ] as const)
        await r.client.registerVersion(model, registration(run, { wape }));
    });

    it('moves an alias atomically, refuses a move whose expectedVersion is stale (409), and rolls back', async () => {
      const moved = await r.client.moveAlias(model, 'staging', { version: 1, ...actor, expectedVersion: null });
      expect(moved).toMatchObject({ version: 1, previousVersion: null, moved: true, forced: false, gate: null });
      expect((await r.client.getAlias(model, 'staging')).version).toBe(1);

      await r.client.moveAlias(model, 'staging', { version: 2, ...actor, expectedVersion: 1 });
      const stale = await r.http('PUT', `/v1/models/${model}/aliases/staging`, {
        version: 3,
        ...actor,
        expectedVersion: 1,
      });
      expect(stale.status).toBe(409);
      expect(stale.body.error.code).toBe('alias_conflict');
      expect(stale.body.error.message).toContain('points at version 2');
      expect((await r.client.getAlias(model, 'staging')).version).toBe(2);

      // Several versions, several aliases; a version lists its aliases.
      await r.client.moveAlias(model, 'canary', { version: 2, ...actor });
      expect((await r.client.getVersion(model, 2)).aliases).toEqual(['canary', 'staging']);

      // The same version again changes nothing and is not audited.
      expect(await r.client.moveAlias(model, 'staging', { version: 2, ...actor })).toMatchObject({ moved: false });

      await r.client.moveAlias(model, 'staging', { version: 3, ...actor });
      const back = await r.client.rollback(model, 'staging', { actor: 'oncall', reason: 'errors in v3' });
      expect(back).toMatchObject({ version: 2, previousVersion: 3, moved: true });
      // A second rollback undoes the move before: back to 1; then nothing is left.
      expect((await r.client.rollback(model, 'staging', { actor: 'oncall', reason: 'v2 too' })).version).toBe(1);
      const none = await refusal(r.client.rollback(model, 'staging', { actor: 'oncall', reason: 'again' }));
      expect([none.status, none.code]).toEqual([409, 'nothing_to_roll_back']);
      expect(await r.client.getModel(model)).toMatchObject({ aliases: { staging: 1, canary: 2 } });

      const unset = await refusal(r.client.rollback(model, 'unset', { actor: 'oncall', reason: 'x' }));
      expect(unset.status).toBe(404);
    });

    it('serialises concurrent conditional moves: exactly one wins, the others get 409', async () => {
      await r.client.moveAlias(model, 'race', { version: 1, ...actor });
      const answers = await Promise.all(
        [2, 3, 2, 3, 2].map((version) =>
          r.http('PUT', `/v1/models/${model}/aliases/race`, { version, ...actor, expectedVersion: 1 }),
        ),
      );
      const winners = answers.filter((a) => a.status === 200 && a.body.moved === true);
      expect(winners).toHaveLength(1);
      const won = winners[0].body.version;
      // The same move again finds the alias where it wants it: done, not a conflict; the other version conflicts.
      const requested = [2, 3, 2, 3, 2];
      answers.forEach((a, i) => {
        if (requested[i] === won) expect(a.status).toBe(200);
        else expect([a.status, a.body.error.code]).toEqual([409, 'alias_conflict']);
      });
      expect((await r.client.getAlias(model, 'race')).version).toBe(won);
    });

    it('answers a repeated conditional move (a retry after a lost answer) with the move done, not a conflict', async () => {
      await r.client.moveAlias(model, 'retry', { version: 1, ...actor });
      const request = { version: 2, ...actor, expectedVersion: 1 };
      const first = await r.http('PUT', `/v1/models/${model}/aliases/retry`, request);
      const again = await r.http('PUT', `/v1/models/${model}/aliases/retry`, request);
      expect([first.status, first.body.moved]).toEqual([200, true]);
      expect(again.status).toBe(200);
      expect(again.body).toMatchObject({ version: 2, previousVersion: 2, moved: false });
      const moves = (await r.client.audit(model, { limit: 200 })).items.filter((e) => e.alias === 'retry');
      expect(moves).toHaveLength(2);
    });

    it('records who, when, why, from, to and forced in the audit log, newest first, paginated', async () => {
      const audit = await r.client.audit(model, { limit: 200 });
      const staging = audit.items.filter((e) => e.alias === 'staging').reverse();
      expect(staging.map((e) => [e.action, e.fromVersion, e.toVersion])).toEqual([
        ['alias.moved', null, 1],
        ['alias.moved', 1, 2],
        ['alias.moved', 2, 3],
        ['alias.rolled-back', 3, 2],
        ['alias.rolled-back', 2, 1],
      ]);
      expect(staging[3]).toMatchObject({ actor: 'oncall', reason: 'errors in v3', forced: false, name: model });
      expect(Date.parse(staging[0].at)).toBeLessThanOrEqual(Date.parse(staging[4].at));

      const ids: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await r.client.audit(model, { limit: 2, cursor });
        expect(page.items.length).toBeLessThanOrEqual(2);
        ids.push(...page.items.map((e) => e.id));
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
      expect(ids).toEqual(audit.items.map((e) => e.id));
      expect((await r.http('GET', `/v1/models/${model}/audit?cursor=nonsense`)).status).toBe(400);
    });

    it('refuses to point an alias at an archived version, and to archive a version behind an alias', async () => {
      const behind = await refusal(r.client.archive(model, 1, actor));
      expect([behind.status, behind.code]).toEqual([409, 'version_has_aliases']);
      expect(behind.message).toContain('staging');

      const { version } = await r.client.registerVersion(model, registration('a4'));
      const archived = await r.client.archive(model, version.version, { actor: 'ops', reason: 'superseded' });
      expect(archived).toMatchObject({ status: 'archived', version: version.version });
      expect(archived.archivedAt).not.toBeNull();
      // Archiving again changes nothing; the version stays readable and downloadable.
      expect((await r.client.archive(model, version.version, actor)).archivedAt).toBe(archived.archivedAt);
      expect((await r.client.getArtifact(model, version.version)).sha256).toBe(version.artifact.sha256);

      const refused = await refusal(r.client.moveAlias(model, 'staging', { version: version.version, ...actor }));
      expect([refused.status, refused.code]).toEqual([409, 'version_archived']);

      const audit = await r.client.audit(model, { limit: 1 });
      expect(audit.items[0]).toMatchObject({ action: 'version.archived', fromVersion: version.version, actor: 'ops' });
    });
  });

  describe('promotion gate (production)', () => {
    const model = 'gated';

    it('lets the first version in when it beats seasonal naive, and refuses one that does not', async () => {
      await r.client.registerVersion(model, registration('g1', { wape: 0.3, naive: 0.3 }));
      const tie = await refusal(r.client.moveAlias(model, 'production', { version: 1, ...actor }));
      expect([tie.status, tie.code]).toEqual([409, 'gate_refused']);
      expect(tie.gate).toMatchObject({ candidate: { value: 0.3 }, seasonalNaive: { value: 0.3, passed: false } });

      await r.client.registerVersion(model, registration('g2', { wape: 0.2, naive: 0.3 }));
      const first = await r.client.moveAlias(model, 'production', { version: 2, ...actor });
      expect(first.gate).toMatchObject({ passed: true, production: null, windowsKey: WINDOWS });
    });

    it('refuses a worse model with both figures in the body, and promotes a better one', async () => {
      await r.client.registerVersion(model, registration('g3', { wape: 0.25, naive: 0.3 }));
      const worse = await r.http('PUT', `/v1/models/${model}/aliases/production`, { version: 3, ...actor });
      expect(worse.status).toBe(409);
      expect(worse.body.error).toMatchObject({
        status: 409,
        code: 'gate_refused',
        gate: {
          metric: 'wape',
          candidate: { version: 3, value: 0.25 },
          seasonalNaive: { value: 0.3, passed: true },
          production: { version: 2, value: 0.2, source: 'registered', passed: false },
          outcome: 'gate_refused',
        },
      });
      expect(worse.body.error.message).toContain('0.25 vs 0.2');
      expect((await r.client.getAlias(model, 'production')).version).toBe(2);

      await r.client.registerVersion(model, registration('g4', { wape: 0.18, naive: 0.3 }));
      const better = await r.client.moveAlias(model, 'production', { version: 4, ...actor });
      expect(better).toMatchObject({ moved: true, previousVersion: 2, gate: { production: { value: 0.2 } } });
    });

    it('refuses windows production was never measured on (not_comparable) until an evaluation covers them', async () => {
      await r.client.registerVersion(model, registration('g5', { wape: 0.1, naive: 0.3, windowsKey: 'win-2024-q2' }));
      const refused = await refusal(r.client.moveAlias(model, 'production', { version: 5, ...actor }));
      expect([refused.status, refused.code]).toEqual([409, 'not_comparable']);
      expect(refused.message).toContain('backtest version 4');
      expect(refused.gate?.production).toMatchObject({ version: 4, value: null });

      // The trainer's backtest job measures production on the candidate's windows.
      const scored = {
        windows: { key: 'win-2024-q2', cutoffs: ['2024-04-07'], horizon: 14, series: 120 },
        model: { wape: 0.12 },
        seasonalNaive: { wape: 0.3 },
        runId: 'run_backtest_1',
      };
      const evaluation = await r.client.addEvaluation(model, 4, scored);
      expect(evaluation).toMatchObject({
        name: model,
        version: 4,
        windows: { key: 'win-2024-q2' },
        runId: 'run_backtest_1',
      });
      // The same run again (a retried attempt, or two at once): still one evaluation.
      const retried = await Promise.all([1, 2, 3].map(() => r.client.addEvaluation(model, 4, scored)));
      expect(retried.map((e) => e.id)).toEqual([evaluation.id, evaluation.id, evaluation.id]);
      const again = await r.http('POST', `/v1/models/${model}/versions/4/evaluations`, scored);
      expect([again.status, again.body.id]).toEqual([200, evaluation.id]);
      expect((await r.client.listEvaluations(model, 4)).map((e) => e.id)).toEqual([evaluation.id]);
      // The version itself did not change.
      expect((await r.client.getVersion(model, 4)).metrics.windows.key).toBe(WINDOWS);

      const passed = await r.client.moveAlias(model, 'production', { version: 5, ...actor });
      expect(passed.gate?.production).toMatchObject({ version: 4, value: 0.12, source: 'evaluation', passed: true });
    });

    it('lets an admin force a refused promotion with a reason, and audits it as forced with the figures', async () => {
      await r.client.registerVersion(model, registration('g6', { wape: 0.4, naive: 0.3 }));
      const forced = await r.client.moveAlias(model, 'production', {
        version: 6,
        actor: 'admin@example.com',
        reason: 'incident 42: v5 emits NaN for new stores',
        force: true,
      });
      expect(forced).toMatchObject({ moved: true, forced: true, gate: { passed: false, outcome: 'gate_refused' } });
      const [entry] = (await r.client.audit(model, { limit: 1 })).items;
      expect(entry).toMatchObject({
        action: 'alias.moved',
        alias: 'production',
        fromVersion: 5,
        toVersion: 6,
        actor: 'admin@example.com',
        reason: 'incident 42: v5 emits NaN for new stores',
        forced: true,
        gate: { candidate: { value: 0.4 }, passed: false },
      });
      // A reason is required, forced or not.
      const noReason = await r.http('PUT', `/v1/models/${model}/aliases/production`, {
        version: 5,
        actor: 'admin',
        reason: ' ',
        force: true,
      });
      expect(noReason.status).toBe(400);
      expect(noReason.body.error.details?.[0].path).toBe('reason');
    });

    it('follows the configured metric and margin', async () => {
      const strict = await startRegistry({ REGISTRY_GATE_METRIC: 'mae', REGISTRY_GATE_MARGIN: '0.2' });
      try {
        await strict.client.registerVersion('m', registration('m1', { wape: 0.2, naive: 0.3 }));
        await strict.client.moveAlias('m', 'production', { version: 1, ...actor });
        // 10 % better on mae (1.8 vs 2.0): not the 20 % asked for.
        await strict.client.registerVersion('m', registration('m2', { wape: 0.18, naive: 0.3 }));
        const refused = await refusal(strict.client.moveAlias('m', 'production', { version: 2, ...actor }));
        expect(refused.gate).toMatchObject({ metric: 'mae', margin: 0.2, production: { value: 2 } });
        await strict.client.registerVersion('m', registration('m3', { wape: 0.15, naive: 0.3 }));
        expect((await strict.client.moveAlias('m', 'production', { version: 3, ...actor })).moved).toBe(true);
      } finally {
        await strict.close();
      }
    });
  });

  describe('search', () => {
    beforeAll(async () => {
      const specs: Array<[string, string, number, Record<string, string>]> = [
        ['s1', 'search.a', 0.1, { team: 'x', region: 'eu' }],
        ['s2', 'search.a', 0.3, { team: 'x', region: 'us' }],
        ['s3', 'search.b', 0.2, { team: 'y', region: 'eu' }],
        ['s4', 'search.b', 0.05, { team: 'x', region: 'eu' }],
        ['s5', 'search.a', 0.15, { team: 'y', region: 'eu' }],
      ];
      for (const [run, name, wape, tags] of specs)
        await r.client.registerVersion(name, registration(run, { wape, tags }));
      await r.client.moveAlias('search.b', 'staging', { version: 1, ...actor });
    });

    it('filters by name, tag, alias, metric threshold and creation time', async () => {
      const runs = async (query: Parameters<typeof r.client.search>[0]) =>
        (await r.client.search({ limit: 200, ...query })).items.map((v) => v.runId);

      expect(await runs({ name: 'search.a' })).toEqual(['s5', 's2', 's1']);
      expect(await runs({ name: 'search.a', tag: 'region:eu' })).toEqual(['s5', 's1']);
      expect(await runs({ tag: ['team:x', 'region:eu'] })).toEqual(['s4', 's1']);
      expect(await runs({ alias: 'staging', name: 'search.b' })).toEqual(['s3']);
      expect(await runs({ name: 'search.a', maxMetric: 0.15 })).toEqual(['s5', 's1']);
      expect(await runs({ name: 'search.a', metric: 'mae', maxMetric: 1.5 })).toEqual(['s5', 's1']);
      expect(await runs({ name: 'search.b', family: 'gbdt', status: 'active' })).toEqual(['s4', 's3']);

      const s3 = (await r.client.search({ name: 'search.b' })).items.find((v) => v.runId === 's3')!;
      expect(await runs({ name: 'search.b', createdAfter: s3.createdAt })).toEqual(['s4']);
      expect(await runs({ name: 'search.b', createdBefore: s3.createdAt })).toEqual([]);
    });

    it('pages with a keyset cursor: no item twice, none missed, stable while new versions arrive', async () => {
      const all = (await r.client.search({ limit: 200 })).items.map((v) => `${v.name}/${v.version}`);
      const seen: string[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const page = await r.client.search({ limit: 3, cursor });
        seen.push(...page.items.map((v) => `${v.name}/${v.version}`));
        cursor = page.nextCursor ?? undefined;
        // A version registered mid-way is newer than the cursor: it does not shift the pages.
        if (pages++ === 0) await r.client.registerVersion('search.c', registration('s-new'));
      } while (cursor);
      expect(seen).toEqual(all);

      const viaIterator: string[] = [];
      for await (const v of r.client.searchAll({ name: 'search.a', limit: 1 })) viaIterator.push(v.runId);
      expect(viaIterator).toEqual(['s5', 's2', 's1']);
    });

    it('answers 400 for bad query values', async () => {
      const limit = await r.http('GET', '/v1/models?limit=0');
      expect(limit.status).toBe(400);
      expect(limit.body.error.details?.[0].path).toBe('limit');
      expect((await r.http('GET', '/v1/models?tag=novalue')).body.error.details?.[0].path).toBe('tag.0');
      expect((await r.http('GET', '/v1/models?createdAfter=yesterday')).status).toBe(400);
      expect((await r.http('GET', '/v1/models?unknown=1')).status).toBe(400);
    });
  });

  it('serves the OpenAPI document and its UI', async () => {
    const doc = await r.http('GET', '/openapi.json');
    expect(doc.status).toBe(200);
    expect(Object.keys(doc.body.paths as object)).toContain('/v1/models/{name}/aliases/{alias}');
    const ui = await r.http('GET', '/docs');
    expect([200, 302]).toContain(ui.status);
  });
});
