/** Workflow 4, GitOps: Argo CD (self-managed), Argo Rollouts, Tekton. */
import { argoCdComponent } from '../charts/argocd';
import { tektonConfigComponent } from '../charts/tekton-config';
import { TEKTONCONFIG_HEALTH_KEY, TEKTONCONFIG_HEALTH_LUA } from '../charts/tekton-config/health';
import { tektonOperatorComponent } from '../charts/tekton-operator';
import { APPLICATION_HEALTH_KEY, APPLICATION_HEALTH_LUA } from '../argocd/health';
import { SIZING } from '../config/sizing';
import { PlatformComponent } from '../lib/component';
import { PRIORITY } from '../lib/priority';
import { deliveryComponents } from './apps';
import { PlatformContext } from './context';
import { ENDPOINTS } from './endpoints';
import { NS } from './namespaces';

/** The platform config file in the GitOps repository, whose service images CI bumps. */
export const PLATFORM_FILE = 'platform.yaml';

/** The Argo CD component; bootstrap renders its values file from this same object. */
export function argoCd(ctx: PlatformContext): PlatformComponent {
  const { env } = ctx;
  return argoCdComponent({
    namespace: NS.argocd,
    healthChecks: {
      [APPLICATION_HEALTH_KEY]: APPLICATION_HEALTH_LUA,
      // tekton-config's Tasks wait in a later sync wave for the TektonConfig to be healthy.
      [TEKTONCONFIG_HEALTH_KEY]: TEKTONCONFIG_HEALTH_LUA,
    },
    tierPolicy: env.tierPolicy,
    alertmanagerUrl: ENDPOINTS.alertmanager,
    clusterName: env.clusterName,
    repoURL: env.gitops.repoURL,
    ...(env.argocd.sso ? { sso: env.argocd.sso } : {}),
  });
}

/**
 * The Tekton operator runs in its own namespace (its ClusterRole reads Secrets cluster-wide, so it
 * shares a namespace with nothing); the Pipelines components and CI run in theirs, whose Pod
 * Security level admits image builds.
 */
export function tekton(ctx: PlatformContext): PlatformComponent[] {
  const { env } = ctx;
  return [
    tektonOperatorComponent({ namespace: NS.tektonOperator, targetNamespace: NS.tektonPipelines, kubernetesVersion: env.kubernetesVersion }),
    tektonConfigComponent({
      targetNamespace: NS.tektonPipelines,
      priorityClassName: PRIORITY.platformCritical,
      gitops: { repoURL: env.gitops.repoURL, targetRevision: env.gitops.targetRevision, file: PLATFORM_FILE },
      labelDomain: env.labelDomain,
      concurrentRuns: env.tierPolicy.sized(SIZING['tekton-config']).concurrentRuns,
    }),
  ];
}

export function gitopsComponents(ctx: PlatformContext): PlatformComponent[] {
  return [argoCd(ctx), ...tekton(ctx), ...deliveryComponents(ctx)];
}
