/**
 * Tier sizing, decided once: the requests, limits, volume sizes and counts of every platform
 * component whose size differs between tiers. Workflows read a row with
 * `env.tierPolicy.sized(SIZING.<id>)` and hand it to the chart as props; charts keep no
 * per-tier sizes of their own (no `devResources`), and a component whose size is the same in
 * every tier keeps it in its chart's DEFAULTS.
 *
 * Sections follow the workflows; each row is `{ dev, staging, prod }`.
 */
import { Resources } from '../lib/resources';
import { Storage } from '../lib/storage';
import type { PlatformComponentId } from './ids';
import type { Tier } from './schema';

/** One value per tier. */
export type PerTier<T> = Readonly<Record<Tier, T>>;

/** Production-like tiers share one size: `same(x)` is `{ staging: x, prod: x }`. */
export function productionLike<T>(size: T): { readonly staging: T; readonly prod: T } {
  return { staging: size, prod: size };
}

export const SIZING = {
  // Foundation

  // Ingress

  // Observability

  // GitOps

  // Security

  // Service mesh

  // Data

} satisfies Partial<Record<PlatformComponentId, PerTier<object>>>;

// Referenced so the imports stay while sections are empty; remove once a row uses them.
export const SIZING_VALUE_TYPES = { Resources, Storage } as const;
