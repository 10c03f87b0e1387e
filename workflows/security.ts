/**
 * Workflow 5, Security: OpenBao, External Secrets, Gatekeeper, Falco, all in the `security`
 * namespace (the efficiency guide's `security_components: "security"`).
 */
import { EXTERNAL_SECRETS, externalSecretsComponent } from '../charts/external-secrets';
import { externalSecretsConfigComponent } from '../charts/external-secrets-config';
import { gatekeeperComponent, GATEKEEPER } from '../charts/gatekeeper';
import { gatekeeperConstraintsComponent, Policy, PolicyException, RbacAllowance } from '../charts/gatekeeper-constraints';
import { gatekeeperTemplatesComponent, LibraryTemplate } from '../charts/gatekeeper-templates';
import { FALCO, falcoComponent } from '../charts/falco';
import { ALERTMANAGER_POD_LABELS, kubePrometheusStackEndpoints } from '../charts/kube-prometheus-stack';
import { DEFAULTS as LOKI_DEFAULTS, lokiEndpoints } from '../charts/loki';
import { OPENBAO, openbaoEndpoints, openBaoComponent, reconcileRunbook } from '../charts/openbao';
import { SIZING } from '../config/sizing';
import { IMAGES } from '../config/versions';
import { BACKUP_RETENTION_DAYS, backupBucketName } from '../lib/backup';
import { Component, isPlatformComponent, PlatformComponent, SecretRequirement, Workflow } from '../lib/component';
import { Duration } from '../lib/duration';
import { secretReadAccess } from '../lib/secret-readers';
import { TrafficEdge, withTraffic } from '../lib/traffic';
import { PlatformContext } from './context';
import { ENDPOINTS } from './endpoints';
import { NS } from './namespaces';
import { policyExceptions, RBAC_ALLOWANCES } from './policy-exceptions';

/**
 * The Istio sidecar (and its CNI validation init container) that the injector adds to meshed
 * pods: the charts' release hub, docker.io/istio.
 */
export const INJECTED_IMAGES: readonly string[] = ['docker.io/istio/proxyv2:'];

/** The user Argo CD applies every Application as: its application controller's ServiceAccount. */
export const ARGOCD_APPLICATION_CONTROLLER = `system:serviceaccount:${NS.argocd}:argocd-application-controller`;

export function securityComponents(ctx: PlatformContext): PlatformComponent[] {
  const { env } = ctx;
  const tier = env.tierPolicy;
  const openbaoSize = tier.sized(SIZING.openbao);
  // Stateless controllers: two where the tier is highly available (one may drain), one otherwise.
  const controllers = tier.replicas(2);
  return [
    openBaoComponent({
      namespace: NS.security,
      target: { clusterName: env.clusterName, accountId: env.accountId },
      seal: env.openbaoSeal,
      caCertificate: env.openbaoCaCertificate,
      // Three raft voters survive one zone down.
      replicas: tier.replicas(3),
      tierPolicy: tier,
      resources: openbaoSize.resources,
      storageSize: openbaoSize.storage,
      labelDomain: env.labelDomain,
      // Only Argo CD deploys the security namespace (the namespace guard, charts/openbao/namespace-guard.ts).
      deployers: [ARGOCD_APPLICATION_CONTROLLER],
      backup: {
        bucket: backupBucketName(env.platformName, env.name, 'openbao-snapshots'),
        region: env.region,
        retentionDays: BACKUP_RETENTION_DAYS[env.tier],
        uploaderImage: IMAGES.awsCli,
      },
    }),
    withTraffic(externalSecretsComponent({ namespace: NS.security, replicas: controllers }), [
      {
        name: 'external-secrets-openbao',
        from: { namespace: NS.security, pods: EXTERNAL_SECRETS.controllerPodLabels },
        to: { namespace: NS.security, pods: OPENBAO.podSelector },
        ports: [{ port: openbaoEndpoints(NS.security).api.port }],
        reason: "The External Secrets controller logs in to OpenBao and reads each store's paths.",
      },
    ]),
    // Fail closed where constraints deny: see charts/gatekeeper.
    gatekeeperComponent({ namespace: NS.security, replicas: controllers, failClosed: env.policyEnforcement === 'deny' }),
    gatekeeperTemplatesComponent({ namespace: NS.security, templates: Policy.ALL.map((p) => LibraryTemplate.forKind(p.kind)) }),
    withTraffic(
      falcoComponent({
        namespace: NS.security,
        lokiPushUrl: ENDPOINTS.lokiPush,
        alertmanagerUrl: ENDPOINTS.alertmanager,
        dataNamespace: NS.data,
        sidekickReplicas: controllers,
      }),
      falcosidekickTraffic(),
    ),
  ];
}


/** Falcosidekick's outputs: Alertmanager (the alert receivers) and Loki. */
function falcosidekickTraffic(): TrafficEdge[] {
  const sidekick = { namespace: NS.security, pods: FALCO.sidekickPodLabels };
  return [
    {
      name: 'falcosidekick-alertmanager',
      from: sidekick,
      to: { namespace: NS.observability, pods: ALERTMANAGER_POD_LABELS },
      ports: [{ port: kubePrometheusStackEndpoints(NS.observability).alertmanager.port }],
      reason: 'Falcosidekick posts Falco alerts to Alertmanager.',
    },
    {
      name: 'falcosidekick-loki',
      from: sidekick,
      to: { namespace: NS.observability, pods: LOKI_DEFAULTS.podLabels },
      ports: [{ port: lokiEndpoints(NS.observability).http.port }],
      reason: 'Falcosidekick pushes Falco events to Loki.',
    },
  ];
}

/**
 * The platform namespaces: every namespace a platform component (workflows 1-7) is deployed to,
 * and kube-system; a namespace hosting a microservice is never one. (The constraints are built
 * before anything renders, so this reads the Applications' destinations;
 * test/charts/gatekeeper.test.ts checks them against the namespaces the rendered objects use.)
 */
export function platformNamespaces(components: readonly Component[]): string[] {
  const apps = new Set(applicationNamespaces(components));
  return [...new Set([NS.kubeSystem, ...components.filter((c) => c.workflow !== Workflow.Apps).map((c) => c.namespace)])].filter((ns) => !apps.has(ns)).sort();
}

/** The named Gatekeeper exceptions (workflows/policy-exceptions.ts) of the components this environment runs. */
export function constraintExceptions(components: readonly Component[], highAvailability: boolean): PolicyException[] {
  return policyExceptions(platformNamespaces(components), components, highAvailability).filter((e) => e.component === 'platform' || components.some((c) => c.id === e.component));
}

/** The restricted-rbac allow-lists of the components this environment runs, and the cluster's own. */
export function rbacAllowances(components: readonly Component[]): RbacAllowance[] {
  return RBAC_ALLOWANCES.filter((a) => a.component === 'cluster' || components.some((c) => c.id === a.component));
}

/** The namespaces the services run in. */
export function applicationNamespaces(components: readonly Component[]): string[] {
  return [...new Set(components.filter((c) => c.workflow === Workflow.Apps).map((c) => c.namespace))].sort();
}

/**
 * Whether External Secrets delivers a required Secret from OpenBao. A requirement naming no OpenBao
 * value but a bootstrap variable is bootstrap-only: the Secret stays as the bootstrap step created
 * it. OpenBao's dev unseal key is one (charts/openbao `unsealKeySecret`): read back from the OpenBao
 * it unseals, it would be a cycle.
 */
export function deliveredFromOpenBao(r: SecretRequirement): boolean {
  return Object.keys(r.data).length > 0 || r.bootstrap === undefined;
}

/**
 * Security components that need every other component first: external-secrets-config (one
 * ExternalSecret per declared secret requirement delivered from OpenBao) and gatekeeper-constraints
 * (after every other platform component).
 */
export function securityComponentsAfter(ctx: PlatformContext, others: readonly Component[]): PlatformComponent[] {
  const { env } = ctx;
  const requirements = others.flatMap((c) => c.secrets ?? []).filter(deliveredFromOpenBao);
  const secretsConfigBase = externalSecretsConfigComponent({
    namespace: NS.security,
    openbao: {
      server: openbaoEndpoints(NS.security).api,
      kvMount: OPENBAO.kvMount,
      kubernetesAuthMount: OPENBAO.kubernetesAuthMount,
      audience: OPENBAO.audience,
      caCertificate: env.openbaoCaCertificate,
    },
    requirements,
    refreshInterval: Duration.parse(env.secretRefreshInterval),
  });
  // The OpenBao roles and policies of the per-namespace stores need every requirement, which only
  // this point knows: their reconcile step goes with the component whose stores log in with them.
  const secretsConfig: PlatformComponent = { ...secretsConfigBase, runbook: [reconcileRunbook(NS.security, secretReadAccess(requirements)), ...(secretsConfigBase.runbook ?? [])] };
  const before = [...others, secretsConfig];
  const constraints = gatekeeperConstraintsComponent({
    namespace: NS.security,
    enforcement: env.policyEnforcement,
    labelDomain: env.labelDomain,
    applicationNamespaces: applicationNamespaces(before),
    auditOnlyNamespaces: env.policy.auditOnlyNamespaces,
    allowedRegistries: env.policy.allowedRegistries,
    injectedImages: INJECTED_IMAGES,
    exceptions: constraintExceptions(before, env.highAvailability),
    rbacAllowances: rbacAllowances(before),
    after: before.filter(isPlatformComponent).map((c) => c.id),
    metrics: { podLabels: GATEKEEPER.podLabels, portName: GATEKEEPER.metricsPortName },
  });
  return [secretsConfig, constraints];
}
