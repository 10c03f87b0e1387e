/** Helpers for the microservice tests: rendered objects of one component, a config with a sixth service. */
import * as yaml from 'js-yaml';
import { parseConfig } from '../../config/load';
import { ManifestSource } from '../../lib/component';
import { K8sObject, synthObjects } from '../../lib/render';
import { buildEnvironment, EnvironmentModel } from '../../platform';
import { component, FIXTURE_CONFIG_TEXT } from '../support';

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
