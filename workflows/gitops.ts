/** Workflow 4, GitOps: Argo CD (self-managed), Argo Rollouts, Tekton. */
import { ARGOCD_PODS, argoCdComponent } from '../charts/argocd';
import { ALERTMANAGER_POD_LABELS, PROMETHEUS_POD_LABELS } from '../charts/kube-prometheus-stack';
import { TEKTON_PODS, TEKTON_PORTS, tektonConfigComponent } from '../charts/tekton-config';
import { TEKTONCONFIG_HEALTH_KEY, TEKTONCONFIG_HEALTH_LUA } from '../charts/tekton-config/health';
import { tektonOperatorComponent } from '../charts/tekton-operator';
import { APPLICATION_HEALTH_KEY, APPLICATION_HEALTH_LUA } from '../argocd/health';
import { SIZING } from '../config/sizing';
import { PlatformComponent } from '../lib/component';
import { PRIORITY } from '../lib/priority';
import { withTraffic } from '../lib/traffic';
import { deliveryComponents, portOf } from './apps';
import { PlatformContext } from './context';
import { ENDPOINTS } from './endpoints';
import { NS } from './namespaces';

/** The platform config file in the GitOps repository, whose service images CI bumps. */
export const PLATFORM_FILE = 'platform.yaml';

/** The Argo CD component; bootstrap renders its values file from this same object. */
export function argoCd(ctx: PlatformContext): PlatformComponent {
  const { env } = ctx;
  const component = argoCdComponent({
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
  return withTraffic(component, [
    {
      name: 'argocd-notifications-alertmanager',
      from: { namespace: NS.argocd, pods: ARGOCD_PODS.notifications },
      to: { namespace: NS.observability, pods: ALERTMANAGER_POD_LABELS },
      ports: [{ port: portOf(ENDPOINTS.alertmanager) }],
      reason: 'The notifications controller posts sync failures and degraded Applications to Alertmanager, its only notifier.',
    },
  ]);
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
    withScrape(
      tektonConfigComponent({
        targetNamespace: NS.tektonPipelines,
        priorityClassName: PRIORITY.platformCritical,
        gitops: { repoURL: env.gitops.repoURL, targetRevision: env.gitops.targetRevision, file: PLATFORM_FILE },
        labelDomain: env.labelDomain,
        concurrentRuns: env.tierPolicy.sized(SIZING['tekton-config']).concurrentRuns,
      }),
    ),
  ];
}

/**
 * The ServiceMonitor `tekton-pipelines` selects Services the operator creates, which are not in the
 * rendered objects, so the scrape is declared rather than derived.
 */
function withScrape(c: PlatformComponent): PlatformComponent {
  return withTraffic(c, [
    {
      name: 'scrape-tekton-pipelines',
      from: { namespace: NS.observability, pods: PROMETHEUS_POD_LABELS },
      to: { namespace: NS.tektonPipelines, pods: TEKTON_PODS.pipelines },
      ports: [{ port: TEKTON_PORTS.metrics }],
      reason: "Prometheus scrapes Tekton Pipelines' controllers and webhook (ServiceMonitor tekton-pipelines).",
    },
  ]);
}

export function gitopsComponents(ctx: PlatformContext): PlatformComponent[] {
  return [argoCd(ctx), ...tekton(ctx), ...deliveryComponents(ctx)];
}
