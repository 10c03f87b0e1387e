/**
 * Argo CD, managing itself. Bootstrap installs the release with exactly these values
 * (bootstrap/argocd-values.yaml); the `argocd` Application then adopts it without a diff.
 */
import { CHARTS } from '../../config/versions';
import { Component, helm, Workflow } from '../../lib/component';
import { OPERATOR_KINDS } from '../../lib/cluster-scope';
import { PRIORITY } from '../../lib/priority';
import { K8sResources, Resources, workload, WorkloadKind, Workload } from '../../lib/resources';

export interface ArgoCdValues {
  readonly global: { readonly priorityClassName: string };
  readonly crds: { readonly install: boolean; readonly keep: boolean };
  readonly configs: {
    /** argocd-cm: free-form keys (named in the key test). */
    readonly cm: Record<string, string | boolean>;
    readonly params: Record<string, string | boolean | number>;
  };
  readonly controller: { readonly replicas: number; readonly resources: K8sResources };
  readonly server: { readonly replicas: number; readonly resources: K8sResources };
  readonly repoServer: { readonly replicas: number; readonly resources: K8sResources };
  readonly applicationSet: { readonly replicas: number; readonly resources: K8sResources };
  readonly redis: { readonly resources: K8sResources };
  readonly dex: { readonly enabled: boolean };
  readonly notifications: { readonly resources: K8sResources };
}

export interface ArgoCdProps {
  readonly namespace: string;
  /** Lua health checks by `resource.customizations.health.<group>_<kind>` key. */
  readonly healthChecks: Readonly<Record<string, string>>;
  /** @default DEFAULTS.resources */
  readonly resources?: Partial<Record<'controller' | 'server' | 'repoServer' | 'applicationSet' | 'redis' | 'notifications', Resources>>;
}

export const DEFAULTS = {
  resources: {
    controller: Resources.of({ cpu: '250m', memory: '512Mi' }, { cpu: '1', memory: '1Gi' }),
    server: Resources.of({ cpu: '50m', memory: '128Mi' }, { cpu: '500m', memory: '256Mi' }),
    repoServer: Resources.of({ cpu: '100m', memory: '256Mi' }, { cpu: '1', memory: '512Mi' }),
    applicationSet: Resources.of({ cpu: '25m', memory: '64Mi' }, { cpu: '200m', memory: '128Mi' }),
    redis: Resources.of({ cpu: '50m', memory: '64Mi' }, { cpu: '200m', memory: '128Mi' }),
    notifications: Resources.of({ cpu: '25m', memory: '64Mi' }, { cpu: '200m', memory: '128Mi' }),
  },
} as const;

export function argoCdComponent(props: ArgoCdProps): Component {
  const r = { ...DEFAULTS.resources, ...props.resources };
  const ns = props.namespace;
  const workloads: Workload[] = [
    workload(WorkloadKind.StatefulSet, 'argocd-application-controller', ns, 1, r.controller, 'application-controller'),
    workload(WorkloadKind.Deployment, 'argocd-server', ns, 1, r.server, 'server'),
    workload(WorkloadKind.Deployment, 'argocd-repo-server', ns, 1, r.repoServer, 'repo-server'),
    workload(WorkloadKind.Deployment, 'argocd-applicationset-controller', ns, 1, r.applicationSet, 'applicationset-controller'),
    workload(WorkloadKind.Deployment, 'argocd-redis', ns, 1, r.redis, 'redis'),
    workload(WorkloadKind.Deployment, 'argocd-notifications-controller', ns, 1, r.notifications, 'notifications-controller'),
  ];
  const values: ArgoCdValues = {
    // Installed at bootstrap, before platform-base's PriorityClasses exist.
    global: { priorityClassName: PRIORITY.systemCluster },
    crds: { install: true, keep: true },
    configs: {
      cm: {
        // Annotation tracking: Argo CD does not claim objects through the app.kubernetes.io/instance label.
        'application.resourceTrackingMethod': 'annotation',
        ...props.healthChecks,
      },
      params: { 'server.insecure': false },
    },
    controller: { replicas: 1, resources: r.controller.toK8s() },
    server: { replicas: 1, resources: r.server.toK8s() },
    repoServer: { replicas: 1, resources: r.repoServer.toK8s() },
    applicationSet: { replicas: 1, resources: r.applicationSet.toK8s() },
    redis: { resources: r.redis.toK8s() },
    dex: { enabled: false },
    notifications: { resources: r.notifications.toK8s() },
  };
  return {
    id: 'argocd',
    workflow: Workflow.GitOps,
    namespace: ns,
    dependsOn: [],
    source: helm(CHARTS.argocd, values, 'argocd'),
    workloads,
    // applicationsets is ~341 KB; the chart also annotates its CRDs for server-side apply.
    serverSideApply: true,
    clusterResources: [...OPERATOR_KINDS],
  };
}
