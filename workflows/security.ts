/**
 * Workflow 5, Security: OpenBao, External Secrets, Gatekeeper, Falco, all in the `security`
 * namespace (the efficiency guide's `security_components: "security"`).
 */
import { byTier } from '../config/defaults';
import { externalSecretsComponent, EXTERNAL_SECRETS } from '../charts/external-secrets';
import { externalSecretsConfigComponent } from '../charts/external-secrets-config';
import { gatekeeperComponent, GATEKEEPER } from '../charts/gatekeeper';
import { gatekeeperConstraintsComponent, Policy, SystemExemption } from '../charts/gatekeeper-constraints';
import { gatekeeperTemplatesComponent, LibraryTemplate } from '../charts/gatekeeper-templates';
import { falcoComponent } from '../charts/falco';
import { DEFAULTS as OPENBAO_DEFAULTS, OPENBAO, openBaoComponent } from '../charts/openbao';
import { Component, SecretRequirement, Workflow } from '../lib/component';
import { Resources } from '../lib/resources';
import { PlatformContext } from './context';
import { ENDPOINTS } from './endpoints';
import { NS } from './namespaces';

/**
 * The system components that need host access (privileged, host namespaces, hostPath), named.
 * They run in audit-only namespaces, which already keeps them out of enforcement; in the audit
 * constraints their images are exempt where the library template takes `exemptImages`, so the
 * audit reports only what is unexpected.
 */
export const SYSTEM_EXEMPTIONS: readonly SystemExemption[] = [
  { name: 'cilium', component: 'cilium', namespace: NS.kubeSystem, images: ['quay.io/cilium/*'], reason: 'CNI agent: privileged, host network, BPF filesystem and CNI configuration on the host' },
  { name: 'falco', component: 'falco', namespace: NS.security, images: ['docker.io/falcosecurity/*'], reason: 'runtime sensor: host PID, /proc, /etc and the container runtime socket' },
  { name: 'node-exporter', component: 'kube-prometheus-stack', namespace: NS.observability, images: ['quay.io/prometheus/node-exporter*'], reason: 'node metrics: host network and PID, /proc and /sys' },
  {
    name: 'opentelemetry-collector',
    component: 'opentelemetry-collector',
    namespace: NS.observability,
    images: ['ghcr.io/open-telemetry/opentelemetry-collector-releases/*'],
    reason: 'the log DaemonSet reads /var/log/pods on the host',
  },
];

/**
 * The Istio sidecar (and its CNI validation init container) that the injector adds to meshed
 * pods: the charts' release hub, docker.io/istio.
 */
export const INJECTED_IMAGES: readonly string[] = ['docker.io/istio/proxyv2:'];

const OPENBAO_DEV_RESOURCES = Resources.of({ cpu: '25m', memory: '96Mi' }, { cpu: '250m', memory: '256Mi' });

export function securityComponents(ctx: PlatformContext): Component[] {
  const { env } = ctx;
  const ha = env.highAvailability;
  return [
    openBaoComponent({
      namespace: NS.security,
      target: { clusterName: env.clusterName, accountId: env.accountId },
      seal: env.openbaoSeal,
      replicas: ha ? 3 : 1,
      strictZoneSpread: env.spotGroupPerZone,
      secretReader: { serviceAccount: EXTERNAL_SECRETS.serviceAccount, namespace: NS.security },
      resources: byTier(env, { dev: OPENBAO_DEV_RESOURCES, staging: OPENBAO_DEFAULTS.resources, prod: OPENBAO_DEFAULTS.resources }),
      storageSize: byTier(env, { dev: '2Gi', staging: OPENBAO_DEFAULTS.storageSize, prod: OPENBAO_DEFAULTS.storageSize }),
    }),
    externalSecretsComponent({ namespace: NS.security, highAvailability: ha }),
    gatekeeperComponent({ namespace: NS.security, highAvailability: ha }),
    gatekeeperTemplatesComponent({ namespace: NS.security, templates: Policy.ALL.map((p) => LibraryTemplate.forKind(p.kind)) }),
    falcoComponent({
      namespace: NS.security,
      lokiPushUrl: ENDPOINTS.lokiPush,
      alertmanagerUrl: ENDPOINTS.alertmanager,
      dataNamespace: NS.data,
      highAvailability: ha,
    }),
  ];
}

/**
 * The one exemption list: every namespace a platform component (workflows 1-7) is deployed to,
 * kube-system, and platform.yaml `policy.auditOnlyNamespaces`. A namespace hosting a microservice
 * is never exempt. (The constraints are built before anything renders, so this reads the
 * Applications' destinations; test/charts/gatekeeper.test.ts checks them against the namespaces
 * the rendered objects use.)
 */
export function auditOnlyNamespaces(ctx: PlatformContext, components: readonly Component[]): string[] {
  const used = (c: Component) => [c.namespace];
  const apps = new Set(components.filter((c) => c.workflow === Workflow.Apps).flatMap(used));
  const platform = new Set<string>([NS.kubeSystem, ...components.filter((c) => c.workflow !== Workflow.Apps).flatMap(used)]);
  for (const ns of apps) platform.delete(ns);
  return [...new Set([...platform, ...ctx.env.policy.auditOnlyNamespaces])].sort();
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
export function securityComponentsAfter(ctx: PlatformContext, others: readonly Component[]): Component[] {
  const { env } = ctx;
  const secretsConfig = externalSecretsConfigComponent({
    namespace: NS.security,
    openbao: {
      server: ENDPOINTS.openbao,
      kvMount: OPENBAO.kvMount,
      kubernetesAuthMount: OPENBAO.kubernetesAuthMount,
      role: OPENBAO_DEFAULTS.readerRole.role,
      audience: OPENBAO.audience,
      serviceAccount: { name: EXTERNAL_SECRETS.serviceAccount, namespace: NS.security },
    },
    requirements: others.flatMap((c) => c.secrets ?? []).filter(deliveredFromOpenBao),
    refreshInterval: env.secretRefreshInterval,
  });
  const before = [...others, secretsConfig];
  const constraints = gatekeeperConstraintsComponent({
    namespace: NS.security,
    enforcement: env.policyEnforcement,
    labelDomain: env.labelDomain,
    auditOnlyNamespaces: auditOnlyNamespaces(ctx, before),
    allowedRegistries: env.policy.allowedRegistries,
    injectedImages: INJECTED_IMAGES,
    // Only the components this environment runs.
    systemExemptions: SYSTEM_EXEMPTIONS.filter((e) => before.some((c) => c.id === e.component)),
    after: before.filter((c) => c.workflow !== Workflow.Apps).map((c) => c.id),
    metrics: { podLabels: GATEKEEPER.podLabels, portName: GATEKEEPER.metricsPortName },
  });
  return [secretsConfig, constraints];
}
