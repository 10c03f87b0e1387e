/**
 * Builds the platform of one environment: every component, in workflow order, and the graph
 * their sync waves come from.
 */
import { EnvironmentSettings, resolveEnvironment } from './config/defaults';
import { PLATFORM_COMPONENT_IDS } from './config/ids';
import { PlatformConfig } from './config/schema';
import { Component } from './lib/component';
import { buildGraph, ComponentGraph } from './lib/graph';
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
  const others = [
    ...foundationComponents(ctx),
    ...ingressComponents(ctx),
    ...observabilityComponents(ctx),
    ...gitopsComponents(ctx),
    ...securityComponents(ctx),
    ...meshComponents(ctx),
    ...dataComponents(ctx),
    ...appsComponents(ctx),
  ];
  const withLate = [...others, ...securityComponentsAfter(ctx, others)];
  const all = withSecretDependencies([...withLate, platformBase(ctx)]);
  const present = new Set(all.map((c) => c.id));
  const knownAbsent = new Set<string>(PLATFORM_COMPONENT_IDS.filter((id) => !present.has(id)));
  const graph = buildGraph(all, knownAbsent);
  const wave = (c: Component) => graph.waves.get(c.id) ?? 0;
  const components = [...all].sort((a, b) => wave(a) - wave(b) || a.id.localeCompare(b.id));
  return { env, config, components, graph };
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
