/** Shared test helpers: the shipped config, built environments, rendered trees. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseConfig } from '../config/load';
import { PlatformConfig } from '../config/schema';
import { Component } from '../lib/component';
import { buildEnvironment, EnvironmentModel } from '../platform';
import { FileTree } from '../lib/output';
import { defaultHydrateOptions, HydratedModel, hydrateModel, renderEnvironment } from '../synth';

export const ROOT = path.resolve(__dirname, '..');
export const SHIPPED_CONFIG_TEXT = fs.readFileSync(path.join(ROOT, 'platform.yaml'), 'utf8');

export function shippedConfig(): PlatformConfig {
  return parseConfig(SHIPPED_CONFIG_TEXT);
}

const cache = new Map<string, EnvironmentModel>();
/** The shipped config built for one environment (memoized: models are immutable). */
export function shippedEnvironment(env: string): EnvironmentModel {
  if (!cache.has(env)) cache.set(env, buildEnvironment(shippedConfig(), env));
  return cache.get(env)!;
}

export const ENVIRONMENTS = ['dev', 'staging', 'prod'] as const;

export function component(model: EnvironmentModel, id: string): Component {
  const c = model.components.find((x) => x.id === id);
  if (!c) throw new Error(`no component ${id} in ${model.env.name}`);
  return c;
}

/** The Helm values of a Helm component (throws for other sources). */
export function helmValues(model: EnvironmentModel, id: string): any {
  const c = component(model, id);
  if (c.source.type !== 'helm') throw new Error(`${id} is not a Helm component`);
  return c.source.values;
}

/** A directory of reference data named by an environment variable, or undefined (test skips loudly). */
export function referenceDir(variable: 'CHART_VALUES_DIR' | 'SCHEMAS_DIR'): string | undefined {
  const dir = process.env[variable];
  if (!dir) {
    console.warn(`\n*** SKIPPED: ${variable} is not set, so checks against upstream reference data did not run. CI sets ${variable}=../shared/${variable === 'SCHEMAS_DIR' ? 'schemas' : 'chart-values'}. ***\n`);
    return undefined;
  }
  if (!fs.existsSync(dir)) throw new Error(`${variable}=${dir} does not exist`);
  return path.resolve(dir);
}

const hydrated = new Map<string, Promise<HydratedModel>>();
/**
 * The shipped config built for one environment and rendered with the pinned helm from the vendored
 * charts (cached on disk like synth's renderings): for workflow tests of what dist contains.
 */
export function hydratedEnvironment(env: string): Promise<HydratedModel> {
  if (!hydrated.has(env)) hydrated.set(env, hydrateModel(shippedEnvironment(env), defaultHydrateOptions()));
  return hydrated.get(env)!;
}

/** The rendered file tree of one hydrated environment of the shipped config. */
export async function renderedTree(env: string): Promise<FileTree> {
  return renderEnvironment(await hydratedEnvironment(env));
}
