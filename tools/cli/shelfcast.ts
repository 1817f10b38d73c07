/**
 * `shelfcast`: send events to the ingestion API, generate synthetic data, import the Walmart data.
 *
 *   shelfcast send <file.json|.ndjson|.csv[.gz]|-> [--format ndjson] --url <url> --key <key>
 *   shelfcast generate --stores 5 --skus 50 --days 730 --seed 1 --out <dir>
 *   shelfcast import-walmart <walmart folder> --url <url> --key <key> [--limit-series N] [--source walmart]
 *
 * Exit status: 0 all accepted, 2 some items rejected, 1 failure.
 */
import { once } from 'node:events';
import { createReadStream, createWriteStream, statSync } from 'node:fs';
import { extname } from 'node:path';
import { parseArgs } from 'node:util';
import { createGunzip } from 'node:zlib';

import {
  ShelfcastClient,
  ShelfcastClientError,
  type RetailEventInput,
  type SendProgress,
  type SendResult,
} from '@shelfcast/client';

import { generateToFolder } from './generate';
import { ProgressBar } from './progress';
import { loadWalmartImport } from './walmart';

const USAGE = `Usage:
  shelfcast send <file.json|file.ndjson|file.csv[.gz]|-> [--format json|ndjson|csv] [--url URL] [--key KEY]
                 [--batch-size 500] [--rejections rejected.ndjson]
  shelfcast generate [--stores 5] [--skus 50] [--days 730] [--seed 1] [--start 2024-01-01]
                     [--source simulator] [--snapshots daily|on-change|none] --out DIR
  shelfcast import-walmart <walmart folder> [--url URL] [--key KEY] [--limit-series N] [--source walmart]
                           [--batch-size 500] [--out events.ndjson (write instead of sending)]

  --url defaults to $SHELFCAST_URL or http://127.0.0.1:3001; --key to $SHELFCAST_API_KEY.
  Exit status: 0 all accepted, 2 some items rejected, 1 failure.`;

class UsageError extends Error {}

function int(name: string, value: string | undefined, fallback?: number): number {
  if (value === undefined) {
    if (fallback === undefined) throw new UsageError(`--${name} is required`);
    return fallback;
  }
  const n = Number(value);
  if (!Number.isInteger(n)) throw new UsageError(`--${name} must be an integer, got ${value}`);
  return n;
}

const connectionOptions = {
  url: { type: 'string' },
  key: { type: 'string' },
  'batch-size': { type: 'string' },
  rejections: { type: 'string' },
} as const;

function client(values: { url?: string; key?: string; 'batch-size'?: string }): ShelfcastClient {
  const apiKey = values.key ?? process.env.SHELFCAST_API_KEY;
  if (!apiKey) throw new UsageError('an API key is required: --key or SHELFCAST_API_KEY');
  return new ShelfcastClient({
    baseUrl: values.url ?? process.env.SHELFCAST_URL ?? 'http://127.0.0.1:3001',
    apiKey,
    batchSize: int('batch-size', values['batch-size'], 500),
  });
}

/** Prints the totals and the first rejections; writes all of them as NDJSON when asked. Returns the exit status. */
async function report(result: SendResult, rejectionsPath: string | undefined): Promise<number> {
  const { accepted, published, duplicates, rejected, items, requests, retries } = result;
  process.stderr.write(
    `items ${items}, accepted ${accepted} (published ${published}, duplicates ${duplicates}), rejected ${rejected.length}; ` +
      `${requests} requests, ${retries} retries\n`,
  );
  for (const r of rejected.slice(0, 10)) {
    process.stderr.write(`  rejected #${r.index}${r.path ? ` ${r.path}` : ''}: ${r.message}\n`);
  }
  if (rejected.length > 10) process.stderr.write(`  ... and ${rejected.length - 10} more\n`);
  if (rejectionsPath) {
    const out = createWriteStream(rejectionsPath);
    for (const r of rejected) out.write(`${JSON.stringify(r)}\n`);
    out.end();
    await once(out, 'finish');
    process.stderr.write(`rejections written to ${rejectionsPath}\n`);
  }
  return rejected.length > 0 ? 2 : 0;
}

type Format = 'json' | 'ndjson' | 'csv';

function formatOf(file: string, explicit: string | undefined): Format {
  if (explicit !== undefined) {
    if (explicit === 'json' || explicit === 'ndjson' || explicit === 'csv') return explicit;
    throw new UsageError(`--format must be json, ndjson or csv, got ${explicit}`);
  }
  if (file === '-') return 'ndjson';
  const ext = extname(file.endsWith('.gz') ? file.slice(0, -3) : file).toLowerCase();
  if (ext === '.json') return 'json';
  if (ext === '.ndjson' || ext === '.jsonl') return 'ndjson';
  if (ext === '.csv') return 'csv';
  throw new UsageError(`cannot tell the format of ${file}: use --format json|ndjson|csv`);
}

async function send(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { ...connectionOptions, format: { type: 'string' } },
  });
  if (positionals.length !== 1) throw new UsageError('send takes one file (or - for standard input)');
  const file = positionals[0];
  const format = formatOf(file, values.format);
  const api = client(values);
  const gz = file.endsWith('.gz');
  const raw = file === '-' ? undefined : createReadStream(file);
  const input = raw ? (gz ? raw.pipe(createGunzip()) : raw) : process.stdin;
  const size = file === '-' ? undefined : statSync(file).size;

  if (format === 'json') {
    // A JSON file is one array (or one event): it is read whole.
    const chunks: Buffer[] = [];
    for await (const c of input) chunks.push(typeof c === 'string' ? Buffer.from(c) : (c as Buffer));
    const body: unknown = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    const events = (Array.isArray(body) ? body : [body]) as RetailEventInput[];
    const bar = new ProgressBar({ label: 'send', total: events.length, unit: 'events' });
    const result = await api.send(events, { onProgress: (p) => bar.update(p.items) });
    bar.finish(events.length);
    return report(result, values.rejections);
  }

  const bar = new ProgressBar({ label: 'send', total: size, unit: format === 'csv' ? 'rows' : 'events' });
  const onProgress = (p: SendProgress) => bar.update(raw ? raw.bytesRead : p.bytes, p.items);
  const result =
    format === 'csv' ? await api.sendCsv(input, { onProgress }) : await api.sendNdjson(input, { onProgress });
  bar.finish(size, result.items);
  return report(result, values.rejections);
}

async function generate(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      stores: { type: 'string' },
      skus: { type: 'string' },
      days: { type: 'string' },
      seed: { type: 'string' },
      start: { type: 'string' },
      source: { type: 'string' },
      snapshots: { type: 'string' },
      out: { type: 'string' },
    },
  });
  if (!values.out) throw new UsageError('--out <dir> is required');
  const snapshots = values.snapshots;
  if (snapshots !== undefined && snapshots !== 'daily' && snapshots !== 'on-change' && snapshots !== 'none') {
    throw new UsageError('--snapshots must be daily, on-change or none');
  }
  const days = int('days', values.days, 730);
  const bar = new ProgressBar({ label: 'generate', total: days, unit: 'days' });
  const started = Date.now();
  const result = await generateToFolder(
    {
      stores: int('stores', values.stores, 5),
      skus: int('skus', values.skus, 50),
      days,
      seed: int('seed', values.seed, 1),
      ...(values.start ? { startDate: values.start } : {}),
      ...(values.source ? { source: values.source } : {}),
      ...(snapshots ? { inventory: { snapshots } } : {}),
    },
    values.out,
    (done) => bar.update(done),
  );
  bar.finish(days);
  const seconds = (Date.now() - started) / 1000;
  process.stderr.write(
    `${result.series} series x ${result.days} days: ${result.events} events -> ${result.eventsPath}, ` +
      `${result.truthRows} truth rows -> ${result.truthPath} (${seconds.toFixed(1)} s)\n`,
  );
  return 0;
}

async function importWalmart(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      ...connectionOptions,
      'limit-series': { type: 'string' },
      source: { type: 'string' },
      out: { type: 'string' },
    },
  });
  if (positionals.length !== 1)
    throw new UsageError('import-walmart takes the folder holding train.csv.gz and stores.csv');
  const limit = values['limit-series'] === undefined ? undefined : int('limit-series', values['limit-series']);
  process.stderr.write(`reading ${positionals[0]} ...\n`);
  const plan = await loadWalmartImport(positionals[0], { source: values.source ?? 'walmart', limitSeries: limit });
  process.stderr.write(
    `${plan.series} series: ${plan.stores} stores, ${plan.departments} departments, ${plan.total} events ` +
      `(${plan.returns} weeks of net returns sent as quantity -1; ${plan.skippedZero} weeks of exactly 0 skipped)\n`,
  );
  const bar = new ProgressBar({ label: 'import', total: plan.total, unit: 'events' });
  if (values.out) {
    const out = createWriteStream(values.out);
    let n = 0;
    for (const e of plan.events()) {
      if (!out.write(`${JSON.stringify(e)}\n`)) await once(out, 'drain');
      if (++n % 10_000 === 0) bar.update(n);
    }
    out.end();
    await once(out, 'finish');
    bar.finish(n);
    process.stderr.write(`${n} events written to ${values.out}\n`);
    return 0;
  }
  const result = await client(values).send(plan.events(), { onProgress: (p) => bar.update(p.items) });
  bar.finish(result.items);
  return report(result, values.rejections);
}

/** Runs the CLI; resolves to the exit status. */
export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'send':
        return await send(rest);
      case 'generate':
        return await generate(rest);
      case 'import-walmart':
        return await importWalmart(rest);
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        process.stdout.write(`${USAGE}\n`);
        return command === undefined ? 1 : 0;
      default:
        throw new UsageError(`unknown command ${command}`);
    }
  } catch (e) {
    if (
      e instanceof UsageError ||
      (e instanceof TypeError && 'code' in e && String(e.code).startsWith('ERR_PARSE_ARGS'))
    ) {
      process.stderr.write(`shelfcast: ${e.message}\n\n${USAGE}\n`);
      return 1;
    }
    if (e instanceof ShelfcastClientError) {
      process.stderr.write(`\nshelfcast: ${e.message}\n`);
      await report(e.partial, undefined);
      process.stderr.write(
        `stopped at the batch starting with item #${e.batchStart}; sending again is safe (duplicates are detected)\n`,
      );
      return 1;
    }
    process.stderr.write(`\nshelfcast: ${e instanceof Error ? e.message : String(e)}\n`);
    return 1;
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      process.stderr.write(`${String(e)}\n`);
      process.exitCode = 1;
    },
  );
}
