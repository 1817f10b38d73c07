/**
 * The feature store's operator commands (`npm run features -- <command>`), on the database and
 * Redis of DATABASE_URL / DATABASE_SCHEMA / REDIS_URL / REDIS_KEY_PREFIX and the feature set of the
 * FEATURES_* variables, exactly as the services read them:
 *
 *   status                       watermark, series, series waiting for an online refresh
 *   rebuild [--from D] [--to D] [--refresh]
 *                                recompute the daily aggregates of business days D..D from the raw
 *                                events (all by default); --refresh also recomputes online vectors
 *   refresh                      recompute every series' online vectors now (e.g. after a feature-set change)
 *   training-set --cutoff D [--cutoff D ...] [--horizon H] [--known-at cutoff|latest|<instant>]
 *                [--chunk-series N] --out FILE.csv
 *                                write a point-in-time training set as CSV (one row per series,
 *                                cutoff and horizon: keys, features, scale, target, censored)
 *
 * Exit status: 0 done, 2 usage error, 1 failure.
 */
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { parseArgs } from 'node:util';

import { databaseEnv, featureStoreEnv, loadConfigOrExit, redisEnv } from '@shelfcast/config';
import { assertMigrationsApplied, createPgPool } from '@shelfcast/db';
import {
  buildTrainingSet,
  featureStoreSettings,
  markAllDirty,
  OnlineRefresher,
  OnlineStore,
  pendingSeries,
  readWatermark,
  rebuildAggregates,
  type KnowledgeBound,
} from '@shelfcast/feature-store';
import { createRedis } from '@shelfcast/queue';
import { z } from 'zod';

import { ProgressBar } from './progress';

const USAGE = `usage: npm run features -- <command>
  status
  rebuild [--from YYYY-MM-DD] [--to YYYY-MM-DD] [--refresh]
  refresh
  training-set --cutoff YYYY-MM-DD [--cutoff ...] [--horizon H] [--known-at cutoff|latest|<ISO instant>]
               [--chunk-series N] --out FILE.csv`;

class UsageError extends Error {}

const Env = z.object({ ...databaseEnv, ...redisEnv, ...featureStoreEnv });

function date(name: string, value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) throw new UsageError(`--${name} must be YYYY-MM-DD, got ${value}`);
  return value;
}

function knownAt(value: string | undefined): KnowledgeBound {
  if (value === undefined || value === 'cutoff') return 'cutoff';
  if (value === 'latest') return 'latest';
  const t = Date.parse(value);
  if (!/T.*(Z|[+-]\d{2}:\d{2})$/.test(value) || Number.isNaN(t))
    throw new UsageError(`--known-at must be cutoff, latest or an instant with an offset, got ${value}`);
  return new Date(t);
}

function csvNumber(x: number): string {
  return Number.isNaN(x) ? '' : String(x);
}

export async function main(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        from: { type: 'string' },
        to: { type: 'string' },
        refresh: { type: 'boolean', default: false },
        cutoff: { type: 'string', multiple: true },
        horizon: { type: 'string' },
        'known-at': { type: 'string' },
        'chunk-series': { type: 'string' },
        out: { type: 'string' },
      },
    });
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n${USAGE}\n`);
    return 2;
  }
  const { values, positionals } = parsed;
  const [command] = positionals;
  if (!command || command === 'help' || !['status', 'rebuild', 'refresh', 'training-set'].includes(command)) {
    process.stderr.write(`${command && command !== 'help' ? `unknown command ${command}\n` : ''}${USAGE}\n`);
    return command && command !== 'help' ? 2 : 0;
  }
  const env = loadConfigOrExit('features', Env);
  const settings = featureStoreSettings(env);
  await assertMigrationsApplied({ url: env.DATABASE_URL, schema: env.DATABASE_SCHEMA });
  const pool = createPgPool({ url: env.DATABASE_URL, schema: env.DATABASE_SCHEMA, maxConnections: 4 });
  const redis = command === 'refresh' || values.refresh ? createRedis(env.REDIS_URL) : undefined;
  const prefix = env.REDIS_KEY_PREFIX ? `${env.REDIS_KEY_PREFIX}:` : '';
  const refresh = async () => {
    if (!redis) throw new Error('internal: no Redis connection');
    const refresher = new OnlineRefresher(pool, new OnlineStore(redis, settings.featureSet, prefix), {
      measure: settings.measure,
      horizon: settings.horizon,
    });
    const pending = await refresher.pending();
    const bar = new ProgressBar({ label: 'online vectors', total: pending.dirty + pending.stale, unit: 'series' });
    const n = await refresher.drain((done, left) => {
      bar.setTotal(done + left);
      bar.update(done);
    });
    bar.finish(n);
    process.stderr.write(`${n} series refreshed (${settings.featureSet.fingerprint})\n`);
  };
  try {
    switch (command) {
      case 'status': {
        const { rows } = await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM series');
        const pending = await pendingSeries(pool, settings.featureSet, settings.measure, settings.horizon);
        process.stdout.write(
          `${JSON.stringify(
            {
              featureSet: settings.featureSet.fingerprint,
              measure: settings.measure,
              horizon: settings.horizon,
              watermark: await readWatermark(pool),
              series: rows[0].n,
              dirtySeries: pending.dirty,
              staleSeries: pending.stale,
            },
            null,
            2,
          )}\n`,
        );
        return 0;
      }
      case 'rebuild': {
        const from = date('from', values.from);
        const to = date('to', values.to);
        const bar = new ProgressBar({ label: 'rebuild', unit: 'series' });
        const result = await rebuildAggregates(pool, {
          ...(from ? { from } : {}),
          ...(to ? { to } : {}),
          onProgress: (done, total) => {
            bar.setTotal(total);
            bar.update(done);
          },
        });
        bar.finish(result.series);
        process.stderr.write(`${result.series} series, ${result.days} series-days rebuilt from the raw events\n`);
        if (values.refresh) await refresh();
        return 0;
      }
      case 'refresh': {
        const marked = await markAllDirty(pool);
        process.stderr.write(`${marked} series marked\n`);
        await refresh();
        return 0;
      }
      case 'training-set': {
        const cutoffs = (values.cutoff ?? []).map((c) => date('cutoff', c) as string);
        if (cutoffs.length === 0) throw new UsageError('training-set needs at least one --cutoff');
        if (!values.out) throw new UsageError('training-set needs --out FILE.csv');
        const horizon = values.horizon === undefined ? settings.horizon : Number(values.horizon);
        if (!(Number.isInteger(horizon) && horizon >= 1))
          throw new UsageError(`--horizon must be a positive integer, got ${values.horizon}`);
        const chunkSeries = values['chunk-series'] === undefined ? undefined : Number(values['chunk-series']);
        if (chunkSeries !== undefined && !(Number.isInteger(chunkSeries) && chunkSeries >= 1))
          throw new UsageError(`--chunk-series must be a positive integer, got ${values['chunk-series']}`);
        const fs = settings.featureSet;
        const out = createWriteStream(values.out);
        out.write(`store_id,sku,cutoff,as_of,horizon,${fs.names.join(',')},scale,target,censored\n`);
        const bar = new ProgressBar({ label: 'training set', unit: 'rows' });
        let rows = 0;
        for await (const chunk of buildTrainingSet(pool, {
          featureSet: fs,
          measure: settings.measure,
          horizon,
          cutoffs,
          knownAt: knownAt(values['known-at']),
          ...(chunkSeries ? { chunkSeries } : {}),
        })) {
          const nf = chunk.numFeatures;
          let text = '';
          chunk.series.forEach((s, k) => {
            for (let h = 1; h <= chunk.horizon; h++) {
              const r = k * chunk.horizon + h - 1;
              const features = Array.from(chunk.features.subarray(r * nf, (r + 1) * nf), csvNumber).join(',');
              text += `${s.storeId},${s.sku},${chunk.cutoff},${chunk.asOf},${h},${features},${chunk.scale[k]},${csvNumber(chunk.target[r])},${chunk.censored[r]}\n`;
            }
          });
          if (!out.write(text)) await once(out, 'drain');
          rows += chunk.series.length * chunk.horizon;
          bar.update(rows);
        }
        out.end();
        await once(out, 'finish');
        bar.finish(rows);
        process.stderr.write(`${rows} rows written to ${values.out} (${fs.fingerprint})\n`);
        return 0;
      }
    }
    return 2;
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`${e.message}\n${USAGE}\n`);
      return 2;
    }
    process.stderr.write(`features ${command} failed: ${(e as Error).message}\n`);
    return 1;
  } finally {
    await pool.end();
    redis?.disconnect();
  }
}

if (require.main === module) void main(process.argv.slice(2)).then((code) => process.exit(code));
