/**
 * Helpers for the microservice tests: a service built from minimal typed props (like cdk8s-plus's
 * `Testing.chart()`) and its rendered objects; for the workflow tests, the rendered objects of one
 * component of a model and the fixture config with services added.
 */
import * as yaml from 'js-yaml';
import { microserviceComponent, MicroserviceComponentProps, ServiceSpec, Sizing, TierPolicy } from '../../apps';
import { parseConfig } from '../../config/load';
import { ManifestSource } from '../../lib/component';
import { K8sObject, synthObjects } from '../../lib/render';
import { Resources } from '../../lib/resources';
import { buildEnvironment, EnvironmentModel } from '../../platform';
import { WIRING } from '../../workflows/apps';
import { component, FIXTURE_CONFIG_TEXT } from '../support';

/** A service as platform.yaml gives it, with every optional setting off unless `settings` turns it on. */
export function serviceSpec(name: string, settings: Partial<Omit<ServiceSpec, 'name'>> = {}): ServiceSpec {
  return {
    name,
    image: `ghcr.io/acme/${name}:1.0.0@sha256:${'0'.repeat(64)}`,
    port: 8080,
    public: false,
    healthPath: '/healthz',
    metricsPath: '/metrics',
    database: false,
    redis: false,
    calls: [],
    env: {},
    ...settings,
  };
}

/** The tier policies of the three tiers, as the environments build them. */
export const TIERS = {
  dev: TierPolicy.of({ tier: 'dev', highAvailability: false, nodeGroupPerZone: false }),
  staging: TierPolicy.of({ tier: 'staging', highAvailability: true, nodeGroupPerZone: false }),
  prod: TierPolicy.of({ tier: 'prod', highAvailability: true, nodeGroupPerZone: true }),
} as const;

/** Three to six replicas of 300m/512Mi (limits 600m/1Gi). */
export const SIZING: Sizing = { minReplicas: 3, maxReplicas: 6, resources: Resources.of({ cpu: '300m', memory: '512Mi' }, { cpu: '600m', memory: '1Gi' }) };

/** Minimal props of one service in prod: no callers, no callees, the composition's wiring. */
export function serviceProps(service: ServiceSpec, props: Partial<MicroserviceComponentProps> = {}): MicroserviceComponentProps {
  return { service, namespace: 'apps', environment: 'prod', sizing: SIZING, tierPolicy: TIERS.prod, callers: [], callees: [], wiring: WIRING, ...props };
}

/** The objects one service renders, built from its props alone. */
export function serviceObjects(props: MicroserviceComponentProps): any[] {
  return synthObjects(microserviceComponent(props).source as ManifestSource);
}

export function objects(model: EnvironmentModel, id: string): any[] {
  const c = component(model, id);
  if (c.source.type !== 'manifests') throw new Error(`${id} is not a native component`);
  return synthObjects(c.source);
}

export function unsyncedObjects(model: EnvironmentModel, id: string): K8sObject[] {
  const u = component(model, id).unsynced;
  if (!u) throw new Error(`${id} has no unsynced objects`);
  return synthObjects(u.source as ManifestSource);
}

export function find(objs: readonly any[], kind: string, name?: string): any {
  const o = objs.find((x) => x.kind === kind && (name === undefined || x.metadata.name === name));
  if (!o) throw new Error(`no ${kind}${name ? ` ${name}` : ''} among ${objs.map((x) => `${x.kind}/${x.metadata.name}`).join(', ')}`);
  return o;
}

/** The fixture platform.yaml plus `extra` services, parsed exactly as the CLI does. */
export function withServices(env: string, extra: readonly object[], mutate?: (services: any[]) => void): EnvironmentModel {
  const data = yaml.load(FIXTURE_CONFIG_TEXT) as { services: any[] };
  data.services = [...data.services, ...extra];
  mutate?.(data.services);
  return buildEnvironment(parseConfig(yaml.dump(data)), env);
}
