/**
 * Builds the platform of one environment: every component, in workflow order, and the graph
 * their sync waves come from.
 */
import { EnvironmentSettings, resolveEnvironment } from './config/defaults';
import { PLATFORM_COMPONENT_IDS } from './config/ids';
import { PlatformConfig } from './config/schema';
import { Component } from './lib/component';
import { buildGraph, ComponentGraph } from './lib/graph';
import { mergeValues } from './lib/values-merge';
import { appsComponents } from './workflows/apps';
import { PlatformContext } from './workflows/context';
import { dataComponents } from './workflows/data';
import { foundationComponents, platformBase } from './workflows/foundation';
import { gitopsComponents } from './workflows/gitops';
import { ingressComponents } from './workflows/ingress';
import { meshComponents } from './workflows/mesh';
import { observabilityComponents } from './workflows/observability';
import { securityComponents, securityComponentsAfter } from './workflows/security';

export interface EnvironmentModel {
  readonly env: EnvironmentSettings;
  readonly config: PlatformConfig;
  /** Sorted by wave, then id. */
  readonly components: readonly Component[];
  readonly graph: ComponentGraph;
}

export function buildEnvironment(config: PlatformConfig, envName: string): EnvironmentModel {
  const env = resolveEnvironment(config, envName);
  const ctx: PlatformContext = { env, services: config.services };
  const enabled = (c: Component) => config.components[c.id]?.enabled !== false;
  const others = [
    ...foundationComponents(ctx),
    ...ingressComponents(ctx),
    ...observabilityComponents(ctx),
    ...gitopsComponents(ctx),
    ...securityComponents(ctx),
    ...meshComponents(ctx),
    ...dataComponents(ctx),
    ...appsComponents(ctx),
  ].filter(enabled);
  const withLate = [...others, ...securityComponentsAfter(ctx, others)];
  const all = withValueOverrides(withSecretDependencies([...withLate, platformBase(ctx)]), config.components);
  const present = new Set(all.map((c) => c.id));
  const knownAbsent = new Set<string>(PLATFORM_COMPONENT_IDS.filter((id) => !present.has(id)));
  const graph = buildGraph(all, knownAbsent);
  const wave = (c: Component) => graph.waves.get(c.id) ?? 0;
  const components = [...all].sort((a, b) => wave(a) - wave(b) || a.id.localeCompare(b.id));
  return { env, config, components, graph };
}

/**
 * `components.<id>.values` merged last over each Helm component's computed values (lib/values-merge.ts).
 * Only a Helm component has values; overriding one that renders objects we author is an error.
 */
function withValueOverrides(components: readonly Component[], overrides: PlatformConfig['components']): Component[] {
  const byId = new Map(components.map((c) => [c.id as string, c]));
  for (const [id, o] of Object.entries(overrides)) {
    const c = byId.get(id);
    if (o.values === undefined || c === undefined) continue;
    if (c.source.type !== 'helm') {
      throw new Error(`components.${id}.values: "${id}" renders objects this repository authors, not a Helm chart, so it has no values to override; change its props in charts/${id}/ instead`);
    }
  }
  return components.map((c) => {
    const values = overrides[c.id]?.values;
    return values !== undefined && c.source.type === 'helm' ? { ...c, source: { ...c.source, values: mergeValues(c.source.values, values) } } : c;
  });
}

/**
 * A component consuming a Secret that no bootstrap step creates must wait for the ExternalSecret
 * that delivers it.
 */
function withSecretDependencies(components: readonly Component[]): Component[] {
  const esc = 'external-secrets-config';
  return components.map((c) =>
    c.id !== esc && (c.secrets ?? []).some((s) => !s.bootstrap) && !c.dependsOn.includes(esc)
      ? { ...c, dependsOn: [...c.dependsOn, esc] }
      : c,
  );
}
