/**
 * Proves that lint holds the architecture's dependency direction: each case lints a source text
 * as if it lived in a given project, with the project's real ESLint configuration and Nx project graph.
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';

const root = path.resolve(__dirname, '../..');

const rejected: Array<[string, string, string]> = [
  [
    'a lib importing an app',
    'libs/kafka/src/bad.ts',
    "import { IngestionModule } from '../../../apps/ingestion/src/ingestion.module';",
  ],
  ['contracts importing @nestjs/common', 'libs/contracts/src/bad.ts', "import { Injectable } from '@nestjs/common';"],
  ['features-core importing kafkajs', 'libs/features-core/src/bad.ts', "import { Kafka } from 'kafkajs';"],
  ['ml importing @prisma/client', 'libs/ml/src/bad.ts', "import { PrismaClient } from '@prisma/client';"],
  ['ml importing bullmq', 'libs/ml/src/bad.ts', "import { Queue } from 'bullmq';"],
  ['ml importing ioredis', 'libs/ml/src/bad.ts', "import Redis from 'ioredis';"],
  ['ml importing @nestjs/core', 'libs/ml/src/bad.ts', "import { NestFactory } from '@nestjs/core';"],
  ['ml importing a data-access lib', 'libs/ml/src/bad.ts', "import { EventProducer } from '@shelfcast/kafka';"],
  ['contracts importing another lib', 'libs/contracts/src/bad.ts', "import { loadConfig } from '@shelfcast/config';"],
  [
    'features-core importing contracts',
    'libs/features-core/src/bad.ts',
    "import { TOPICS } from '@shelfcast/contracts';",
  ],
  [
    'an app deep-importing a lib file',
    'apps/ingestion/src/bad.ts',
    "import { EventProducer } from '@shelfcast/kafka/src/core/producer';",
  ],
  [
    'an app importing the testing lib outside tests',
    'apps/ingestion/src/bad.ts',
    "import { testPrefix } from '@shelfcast/testing';",
  ],
  [
    'an app importing another app',
    'apps/ingestion/src/bad.ts',
    "import { FeaturesModule } from '../../features/src/features.module';",
  ],
];
const allowed: Array<[string, string, string]> = [
  [
    'an app importing libs',
    'apps/ingestion/src/ok.ts',
    "import { EventProducer } from '@shelfcast/kafka';\nimport { TOPICS } from '@shelfcast/contracts';",
  ],
  ['ml importing contracts', 'libs/ml/src/ok.ts', "import { TOPICS } from '@shelfcast/contracts';"],
  [
    'an app test importing the testing lib',
    'apps/ingestion/test/ok.int-spec.ts',
    "import { testPrefix } from '@shelfcast/testing';",
  ],
];

let results: string[][] = [];

beforeAll(() => {
  // The boundary rule reads Nx's project graph; without one it skips itself silently, so make sure it exists.
  execFileSync(process.execPath, [require.resolve('nx/bin/nx'), 'show', 'projects'], { cwd: root, stdio: 'ignore' });
  const cases = [...rejected, ...allowed].map(([, file, code]) => ({ file, code: `${code}\nexport const x = 1;\n` }));
  const out = execFileSync(process.execPath, [path.join(__dirname, 'lint-texts.mjs')], {
    cwd: root,
    input: JSON.stringify(cases),
    encoding: 'utf8',
  });
  results = JSON.parse(out) as string[][];
}, 120000);

describe('module boundaries', () => {
  it.each(rejected.map((c, i) => [...c, i] as const))('rejects %s', (_name, _file, _code, i) => {
    expect(results[i]).not.toHaveLength(0);
  });

  it.each(allowed.map((c, i) => [...c, rejected.length + i] as const))('allows %s', (_name, _file, _code, i) => {
    expect(results[i]).toEqual([]);
  });
});
