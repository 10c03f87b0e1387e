/**
 * Checks synth runs on the hydrated environments before anything is written: facts that no
 * schema sees, each failing with the component, the object and the fix.
 */
import * as fs from 'node:fs';
import { byWorkflow, permissionsOf, ProjectPermissions } from '../argocd/applications';
import type { Component } from './component';
import type { K8sObject } from './render';
import type { HydratedModel } from '../synth';

/** A rendered object breaks a rule synth enforces; nothing is written. */
export class RenderCheckError extends Error {}

/**
 * A Secret the component commits on purpose (`Component.committedSecrets`): undefined for any other
 * Secret, else the problems its verifier finds (empty: accepted).
 */
export function committedSecretProblems(c: Pick<Component, 'namespace' | 'committedSecrets'>, o: K8sObject): { what: string; problems: string[] } | undefined {
  const declared = c.committedSecrets?.find((s) => s.name === o.metadata.name && o.metadata.namespace === c.namespace);
  return declared ? { what: declared.what, problems: declared.problems(o) } : undefined;
}

/**
 * Secrets live in OpenBao and reach the cluster through External Secrets (or a bootstrap step the
 * operator runs): a Secret with data in dist would be a credential in git, or a chart's generated
 * value that changes on every render. A component may commit a Secret whose content it verifies to
 * hold no credential (`Component.committedSecrets`: Alertmanager's configuration).
 */
export function secretsWithData(models: readonly HydratedModel[]): string[] {
  const found: string[] = [];
  for (const m of models) {
    for (const c of m.components) {
      for (const o of m.objects.get(c.id) ?? []) {
        if (o.kind !== 'Secret' || o.apiVersion !== 'v1') continue;
        const keys = [...Object.keys((o.data as object | undefined) ?? {}), ...Object.keys((o.stringData as object | undefined) ?? {})];
        if (keys.length === 0) continue;
        const committed = committedSecretProblems(c, o);
        if (committed?.problems.length === 0) continue;
        if (committed) {
          found.push(`${m.env.name}/${c.id}: Secret ${o.metadata.namespace}/${o.metadata.name} (${committed.what}) holds a credential: ${committed.problems.join('; ')}; reference credentials through files mounted from a Secret delivered by External Secrets`);
          continue;
        }
        const origin = c.source.type === 'helm' ? `chart ${c.source.chart.chart} ${c.source.chart.version}` : c.source.type;
        found.push(`${m.env.name}/${c.id} (${origin}): Secret ${o.metadata.namespace}/${o.metadata.name} has data (${keys.length} keys: ${keys.sort().slice(0, 4).join(', ')}${keys.length > 4 ? ', …' : ''}); give the chart an existing Secret delivered by External Secrets or created at bootstrap`);
      }
    }
  }
  return found;
}

export function assertNoSecretData(models: readonly HydratedModel[]): void {
  const found = secretsWithData(models);
  if (found.length) throw new RenderCheckError(`Secrets with data would be committed to git:\n  ${found.join('\n  ')}`);
}

/**
 * What each AppProject may do, committed in `permissions.lock.json`: namespaces and cluster-scoped
 * kinds, the union over every environment of the config. Synth derives each project's permissions
 * from the rendered objects and fails when they exceed the lock, so widening a project (a chart
 * bump that adds a ClusterRole kind, a new namespace) is always a reviewed line in a pull request.
 */
export type PermissionsLock = Record<string, ProjectPermissions>;

export const PERMISSIONS_LOCK = 'permissions.lock.json';

export function derivePermissions(models: readonly HydratedModel[]): PermissionsLock {
  const union = new Map<string, { namespaces: Set<string>; clusterResources: Set<string> }>();
  for (const m of models) {
    for (const [wf, members] of byWorkflow(m.components)) {
      const p = permissionsOf(members, m.objects);
      const u = union.get(wf) ?? { namespaces: new Set<string>(), clusterResources: new Set<string>() };
      p.namespaces.forEach((n) => u.namespaces.add(n));
      p.clusterResources.forEach((k) => u.clusterResources.add(k));
      union.set(wf, u);
    }
  }
  return Object.fromEntries(
    [...union.keys()].sort().map((wf) => [wf, { namespaces: [...union.get(wf)!.namespaces].sort(), clusterResources: [...union.get(wf)!.clusterResources].sort() }]),
  );
}

export function readPermissionsLock(file: string): PermissionsLock {
  if (!fs.existsSync(file)) return {};
  return JSON.parse(fs.readFileSync(file, 'utf8')) as PermissionsLock;
}

export function formatPermissionsLock(lock: PermissionsLock): string {
  return `${JSON.stringify(lock, null, 2)}\n`;
}

/** Lines naming each permission the rendering needs beyond the lock (empty: within it). */
export function permissionsBeyondLock(derived: PermissionsLock, lock: PermissionsLock): string[] {
  const out: string[] = [];
  for (const [project, p] of Object.entries(derived)) {
    const locked = lock[project] ?? { namespaces: [], clusterResources: [] };
    for (const n of p.namespaces) if (!locked.namespaces.includes(n)) out.push(`project ${project}: new destination namespace ${n}`);
    for (const k of p.clusterResources) if (!locked.clusterResources.includes(k)) out.push(`project ${project}: new cluster-scoped kind ${k}`);
  }
  return out;
}

export function assertWithinPermissionsLock(derived: PermissionsLock, lock: PermissionsLock): void {
  const wider = permissionsBeyondLock(derived, lock);
  if (wider.length) {
    throw new RenderCheckError(
      `the rendered objects need permissions ${PERMISSIONS_LOCK} does not grant:\n  ${wider.join('\n  ')}\n` +
        `Review why (a chart bump, a new component), then record them with: npm run synth -- --update-permissions`,
    );
  }
}

/** Both locks' permissions together. */
export function mergePermissions(a: PermissionsLock, b: PermissionsLock): PermissionsLock {
  const out: PermissionsLock = {};
  for (const project of [...new Set([...Object.keys(a), ...Object.keys(b)])].sort()) {
    const x = a[project] ?? { namespaces: [], clusterResources: [] };
    const y = b[project] ?? { namespaces: [], clusterResources: [] };
    out[project] = {
      namespaces: [...new Set([...x.namespaces, ...y.namespaces])].sort(),
      clusterResources: [...new Set([...x.clusterResources, ...y.clusterResources])].sort(),
    };
  }
  return out;
}
