/**
 * Shared test helpers. Tests of the generator build from the fixture config under test/fixtures/
 * (platform.yaml, a copy of the example the repository started with, and its permissions.lock.json),
 * never from the repository's own platform.yaml: that one is the user's to edit, and
 * test/workflows/invariants.test.ts checks it with invariants that hold for any config.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as yaml from 'js-yaml';
import { ConfigError, parseConfig } from '../config/load';
import { PlatformConfig } from '../config/schema';
import { Component } from '../lib/component';
import { buildEnvironment, EnvironmentModel } from '../platform';
import { FileTree } from '../lib/output';
import { prometheusOperatorCrdsComponent } from '../charts/prometheus-operator-crds';
import { hydrate } from '../lib/hydrate';
import { LabelDomain } from '../lib/labels';
import type { K8sObject } from '../lib/render';
import { KUBERNETES_VERSION } from '../config/versions';
import { defaultHydrateOptions, HydratedModel, hydrateModel, renderEnvironment } from '../synth';
import { recordSkip, ReferenceVariable } from './skips';

export const ROOT = path.resolve(__dirname, '..');

/** The fixture config the generator's tests build from, with its permissions lock beside it. */
export const FIXTURES = path.join(__dirname, 'fixtures');
export const FIXTURE_CONFIG_FILE = path.join(FIXTURES, 'platform.yaml');
export const FIXTURE_CONFIG_TEXT = fs.readFileSync(FIXTURE_CONFIG_FILE, 'utf8');

export function fixtureConfig(): PlatformConfig {
  return parseConfig(FIXTURE_CONFIG_TEXT);
}

const cache = new Map<string, EnvironmentModel>();
/** The fixture config built for one environment (memoized: models are immutable). */
export function fixtureEnvironment(env: string): EnvironmentModel {
  if (!cache.has(env)) cache.set(env, buildEnvironment(fixtureConfig(), env));
  return cache.get(env)!;
}

/** The fixture's environments, one of each tier. */
export const ENVIRONMENTS = ['dev', 'staging', 'prod'] as const;

/** The fixture config's text with `mutate` applied to its parsed form. */
export function configVariant(mutate: (c: any) => void): string {
  const c = yaml.load(FIXTURE_CONFIG_TEXT) as any;
  mutate(c);
  return yaml.dump(c);
}

/** The problems a config text is rejected with; throws if it is accepted. */
export function configProblems(text: string): string[] {
  try {
    parseConfig(text);
  } catch (e) {
    if (e instanceof ConfigError) return [...e.problems];
    throw e;
  }
  throw new Error('expected the config to be rejected');
}

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

/**
 * A directory of upstream reference data named by an environment variable, or undefined: the
 * caller skips its checks, and the run ends with one line naming the variables to set (test/skips.ts).
 */
export function referenceDir(variable: ReferenceVariable): string | undefined {
  const dir = process.env[variable];
  if (!dir) {
    const testPath = (globalThis as { expect?: { getState(): { testPath?: string } } }).expect?.getState().testPath;
    recordSkip(variable, testPath ? path.relative(ROOT, testPath) : 'a test file');
    return undefined;
  }
  if (!fs.existsSync(dir)) throw new Error(`${variable}=${dir} does not exist`);
  return path.resolve(dir);
}

const hydrated = new Map<string, Promise<HydratedModel>>();
/**
 * The fixture config built for one environment and rendered with the pinned helm from the vendored
 * charts (cached on disk like synth's renderings): for workflow tests of what dist contains.
 */
export function hydratedFixture(env: string): Promise<HydratedModel> {
  if (!hydrated.has(env)) hydrated.set(env, hydrateModel(fixtureEnvironment(env), defaultHydrateOptions()));
  return hydrated.get(env)!;
}

/** The rendered file tree of one hydrated environment of the fixture config. */
export async function renderedFixture(env: string): Promise<FileTree> {
  return renderEnvironment(await hydratedFixture(env));
}

export interface RenderComponentOptions {
  /**
   * Components rendered with it for the CRDs its objects need (their objects are not returned).
   * @default the Prometheus Operator CRDs, so ServiceMonitors and PodMonitors render as in the cluster
   */
  readonly alongside?: readonly Component[];
  /** @default platform.example.com */
  readonly labelDomain?: LabelDomain;
}

/**
 * One component built from props in a test (like cdk8s-plus's `Testing.chart()`), rendered on its
 * own: a Helm component with the pinned helm from the vendored package, a native one with cdk8s.
 * Namespaces are written out as synth does. For chart tests that need no shipped config.
 */
export async function renderComponent(c: Component, opts: RenderComponentOptions = {}): Promise<K8sObject[]> {
  const alongside = opts.alongside ?? [prometheusOperatorCrdsComponent({ namespace: 'kube-system' })];
  const h = defaultHydrateOptions();
  const labelDomain = opts.labelDomain ?? LabelDomain.of('platform.example.com');
  const objects = await hydrate([...alongside, c], { renderer: h.renderer, kubernetesVersion: KUBERNETES_VERSION, vendorRoot: h.root, labelDomain });
  return [...(objects.get(c.id) ?? [])];
}

/** The objects of `kind` (and `name`, if given) among `objects`. */
export function objectsOfKind(objects: readonly K8sObject[], kind: string, name?: string): any[] {
  return objects.filter((o) => o.kind === kind && (name === undefined || o.metadata?.name === name));
}
