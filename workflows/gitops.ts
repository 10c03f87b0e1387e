/** Workflow 4, GitOps: Argo CD (self-managed), Argo Rollouts, Tekton. */
import { argoCdComponent } from '../charts/argocd';
import { APPLICATION_HEALTH_KEY, APPLICATION_HEALTH_LUA } from '../argocd/health';
import { Component } from '../lib/component';
import { PlatformContext } from './context';
import { NS } from './namespaces';

/** The Argo CD component; bootstrap renders its values file from this same object. */
export function argoCd(_ctx: PlatformContext): Component {
  return argoCdComponent({ namespace: NS.argocd, healthChecks: { [APPLICATION_HEALTH_KEY]: APPLICATION_HEALTH_LUA } });
}

export function gitopsComponents(ctx: PlatformContext): Component[] {
  return [argoCd(ctx)];
}
