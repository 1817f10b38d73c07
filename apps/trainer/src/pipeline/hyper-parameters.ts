/**
 * Hyper-parameters per model family: every key known, typed and bounded; unknown keys refused (a
 * typo must not train a default model silently). The resolved set (defaults filled in) is what a
 * version records.
 */
import { z } from 'zod';

import { InvalidSpecError } from './errors';

/** Families the pipeline trains, exports and serves through the online store's vectors. */
export const SUPPORTED_FAMILIES = ['gbdt', 'seasonal-naive', 'moving-average'] as const;
export type Family = (typeof SUPPORTED_FAMILIES)[number];

const int = (min: number, max: number) => z.number().int().min(min).max(max);

/** Which rows a fit learns from: anchors cutoff - 1 - j x anchorStride, j = 1..trainAnchors, horizons 1..H each. */
const rowParams = {
  trainAnchors: int(1, 400).default(28),
  anchorStride: int(1, 366).default(1),
};

const GbdtParams = z.strictObject({
  ...rowParams,
  numTrees: int(1, 5000).default(300),
  learningRate: z.number().gt(0).max(1).default(0.08),
  growPolicy: z.enum(['lossguide', 'depthwise']).default('lossguide'),
  maxLeaves: int(2, 4096).default(31),
  /** 0: unlimited (leaf-wise growth bounded by maxLeaves). */
  maxDepth: int(0, 64).default(0),
  minDataInLeaf: int(1, 1_000_000).default(20),
  minChildWeight: z.number().min(0).max(1e9).default(1),
  lambda: z.number().min(0).max(1e9).default(1),
  minSplitGain: z.number().min(0).max(1e9).default(0),
  subsample: z.number().gt(0).max(1).default(1),
  colsampleByTree: z.number().gt(0).max(1).default(1),
  maxBin: int(2, 255).default(255),
  /** Loss on the scaled target (value / series scale). */
  loss: z.enum(['l2', 'poisson', 'tweedie']).default('l2'),
  tweedieVariancePower: z.number().gt(1).lt(2).default(1.5),
  earlyStoppingRounds: int(1, 1000).default(30),
  /** Weight rows by their series scale (errors count in units, as WAPE does). */
  scaleWeight: z.boolean().default(false),
  numThreads: int(1, 16).default(1),
  seed: int(0, 2 ** 31 - 1).default(0),
});

const SeasonalNaiveParams = z.strictObject({
  ...rowParams,
  /** Periods per season; a lag of the feature set. Default 7 daily, 52 weekly, 12 monthly. */
  seasonLength: int(1, 1000).optional(),
});

const MovingAverageParams = z.strictObject({
  ...rowParams,
  /** Periods averaged; a rolling window of the feature set. Default its shortest window. */
  window: int(1, 1000).optional(),
});

const SCHEMAS = {
  gbdt: GbdtParams,
  'seasonal-naive': SeasonalNaiveParams,
  'moving-average': MovingAverageParams,
} as const satisfies Record<Family, z.ZodType>;

export type GbdtHyperParameters = z.infer<typeof GbdtParams>;
export type SeasonalNaiveHyperParameters = z.infer<typeof SeasonalNaiveParams>;
export type MovingAverageHyperParameters = z.infer<typeof MovingAverageParams>;

export type ResolvedHyperParameters =
  | { family: 'gbdt'; params: GbdtHyperParameters }
  | { family: 'seasonal-naive'; params: SeasonalNaiveHyperParameters }
  | { family: 'moving-average'; params: MovingAverageHyperParameters };

export function isSupportedFamily(family: string): family is Family {
  return (SUPPORTED_FAMILIES as readonly string[]).includes(family);
}

/** The family of a spec, or InvalidSpecError naming the families that are supported. */
export function checkFamily(family: string): Family {
  if (!isSupportedFamily(family))
    throw new InvalidSpecError(
      `family "${family}" is not supported by the training pipeline; supported: ${SUPPORTED_FAMILIES.join(', ')}`,
    );
  return family;
}

/** Names of the hyper-parameters a family accepts. */
export function knownHyperParameters(family: Family): string[] {
  return Object.keys(SCHEMAS[family].shape).sort();
}

/** Validates and completes a spec's hyper-parameters; InvalidSpecError says which key is wrong and why. */
export function parseHyperParameters(
  family: Family,
  raw: Readonly<Record<string, number | string | boolean>>,
): ResolvedHyperParameters {
  const known = knownHyperParameters(family);
  const unknown = Object.keys(raw).filter((k) => !known.includes(k));
  if (unknown.length > 0)
    throw new InvalidSpecError(
      `hyperParameters: unknown ${unknown.length === 1 ? 'key' : 'keys'} ${unknown.map((k) => `"${k}"`).join(', ')} for family ${family}; known: ${known.join(', ')}`,
    );
  const result = SCHEMAS[family].safeParse(raw);
  if (!result.success)
    throw new InvalidSpecError(
      `hyperParameters: ${result.error.issues.map((i) => `${['hyperParameters', ...i.path].join('.')}: ${i.message}`).join('; ')}`,
    );
  return { family, params: result.data } as ResolvedHyperParameters;
}

/** The resolved hyper-parameters as a version records them (no undefined values). */
export function recordedHyperParameters(h: ResolvedHyperParameters): Record<string, number | string | boolean> {
  const out: Record<string, number | string | boolean> = {};
  for (const [k, v] of Object.entries(h.params)) if (v !== undefined) out[k] = v;
  return out;
}
