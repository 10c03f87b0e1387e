/**
 * readiness-gates: the efficiency guide's readiness gates ("Optimized Dependency Chain") as real
 * checks. One component closes each gated workflow, in the wave after every other component of it:
 *
 * | Component               | Guide validation              | What the Job checks                                   |
 * | ----------------------- | ----------------------------- | ----------------------------------------------------- |
 * | foundation-readiness    | cluster_api_accessible        | /readyz, every Deployment and DaemonSet in kube-system Ready |
 * | ingress-readiness       | load_balancer_provisioned     | the ingress Service's load-balancer address, the wildcard Certificate Ready |
 * | observability-readiness | prometheus_targets_discovered | Prometheus' active targets, each scrape pool with a target up |
 *
 * Each is an Argo CD PostSync hook Job (readiness-gate.sh) with the guide's timeout as its
 * `activeDeadlineSeconds` and the guide's retry interval between attempts, `backoffLimit: 0`. The
 * hook runs once the component's other objects are synced; as the component depends on every
 * other component of its workflow, that is after all of them are Healthy. A Job that gives up
 * fails the Application's sync; argocd/health.ts reports a child Application whose sync runs or
 * failed as Progressing or Degraded to the root app-of-apps, so the waves after the gate wait.
 * `hook-delete-policy: BeforeHookCreation` keeps the last Job and its pod's log until the next
 * sync: a failed gate stays readable (HookSucceeded would delete a passed one, leaving no record
 * of when the gate opened, and leave a failed one in the way of the next sync's Job).
 *
 * Least privilege: a ServiceAccount per gate; the Kubernetes checks get a Role that reads exactly
 * the objects they check (list Deployments and DaemonSets in kube-system; get the one Service and
 * the one Certificate), `/readyz` is open to every authenticated client (system:public-info-viewer);
 * the Prometheus check gets no token at all. Containers are non-root with a read-only root
 * filesystem, drop every capability, and have requests and limits. No NetworkPolicy restricts
 * these namespaces (test/workflows/readiness-gates.test.ts keeps it so).
 *
 * The observability gate also carries the PrometheusRule `readiness-gates` (alerts.ts): one alert
 * per workflow on Applications that do not converge within their gate.
 */
import { ApiObjectMetadata } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { PlatformComponentId } from '../../config/ids';
import { IMAGES } from '../../config/versions';
import { PrometheusRule, PrometheusRuleSpecGroupsRulesExpr } from '../../imports/monitoring.coreos.com';
import { PlatformComponent, manifests, READINESS_GATES, RunbookSection, Workflow } from '../../lib/component';
import { selectorLabels, standardLabels } from '../../lib/labels';
import { PlatformChart } from '../../lib/platform-chart';
import { PRIORITY } from '../../lib/priority';
import { Resources } from '../../lib/resources';
import { RESTRICTED_CONTAINER_SECURITY_CONTEXT, RESTRICTED_POD_SECURITY_CONTEXT } from '../../lib/security';
import { Storage } from '../../lib/storage';
import { PAST_GATE_RUNBOOK, pastGateRules } from './alerts';
import GATE_SCRIPT_TEXT from './readiness-gate.sh';

export { PAST_GATE_ALERT, pastGateExpr, pastGateRules } from './alerts';

/** The workflows the guide names a readiness validation for. */
export type GatedWorkflow = Workflow.Foundation | Workflow.Ingress | Workflow.Observability;

/** The guide's validation of each gated workflow, as it writes them. */
export const GUIDE_VALIDATIONS = {
  [Workflow.Foundation]: 'cluster_api_accessible',
  [Workflow.Ingress]: 'load_balancer_provisioned',
  [Workflow.Observability]: 'prometheus_targets_discovered',
} as const satisfies Record<GatedWorkflow, string>;

export type GuideValidation = (typeof GUIDE_VALIDATIONS)[GatedWorkflow];

/** The component (one Argo CD Application) that closes each gated workflow. */
export const READINESS_COMPONENTS = {
  [Workflow.Foundation]: 'foundation-readiness',
  [Workflow.Ingress]: 'ingress-readiness',
  [Workflow.Observability]: 'observability-readiness',
} as const satisfies Record<GatedWorkflow, PlatformComponentId>;

/** What a gate checks: one case per guide validation. */
export type GateCheck =
  | {
      readonly validation: 'cluster_api_accessible';
      /** Whose Deployments and DaemonSets must all be Ready: the core add-ons' namespace (kube-system). */
      readonly namespace: string;
    }
  | {
      readonly validation: 'load_balancer_provisioned';
      /** Namespace of the ingress Service and the Certificate it serves. */
      readonly namespace: string;
      /** The ingress' `type: LoadBalancer` Service. */
      readonly service: string;
      /** The wildcard Certificate the ingress terminates TLS with. */
      readonly certificate: string;
    }
  | {
      readonly validation: 'prometheus_targets_discovered';
      /** Prometheus' in-cluster base URL, given by the workflow that owns Prometheus. */
      readonly prometheusUrl: string;
    };

export interface ReadinessGateProps {
  readonly workflow: GatedWorkflow;
  /** Where the hook Job, its ServiceAccount and its script run. */
  readonly namespace: string;
  readonly check: GateCheck;
  /** Every other component of the workflow: the gate syncs after all of them are Healthy. */
  readonly after: readonly PlatformComponentId[];
  /** Render the PrometheusRule on Applications past their gate, linking its runbook in this README. */
  readonly alerts?: { readonly runbookUrl: string };
  /** Timeout and interval. @default READINESS_GATES[workflow] */
  readonly gate?: { readonly timeoutSeconds: number; readonly retryIntervalSeconds: number };
  /** Pinned distroless kubectl of the Kubernetes checks. @default DEFAULTS.kubectlImage */
  readonly kubectlImage?: string;
  /** Static busybox: the shell beside kubectl, and the whole image of the Prometheus check. @default DEFAULTS.shellImage */
  readonly shellImage?: string;
  /** @default DEFAULTS.resources */
  readonly resources?: Resources;
  /** @default GATE_SCRIPT (the text of readiness-gate.sh) */
  readonly script?: string;
}

export const DEFAULTS = {
  kubectlImage: IMAGES.kubectl,
  shellImage: IMAGES.busybox,
  /** kubectl's discovery cache and one JSON list; busybox wget and awk over the targets page. */
  resources: Resources.of({ cpu: '10m', memory: '32Mi' }, { cpu: '100m', memory: '128Mi' }),
  /** Each emptyDir (kubectl's cache and the copied busybox). */
  scratch: Storage.mebibytes(16),
} as const;

/** The gate's script: a shell file, shellchecked in CI and by the tests, imported as text. */
export const GATE_SCRIPT: string = GATE_SCRIPT_TEXT;
/** Its key in the ConfigMap and its file name in the pod. */
export const GATE_SCRIPT_KEY = 'readiness-gate.sh';

/** Argo CD hook annotations of every gate Job. */
export const GATE_HOOK = {
  'argocd.argoproj.io/hook': 'PostSync',
  'argocd.argoproj.io/hook-delete-policy': 'BeforeHookCreation',
} as const;

/** Where the pod mounts its pieces. */
const PATHS = { tools: '/tools', scripts: '/scripts', tmp: '/tmp' } as const;

/** The RBAC rules of a check, by namespace: exactly the reads it makes. */
export function gateRules(check: GateCheck): { namespace: string; rules: k8s.PolicyRule[] }[] {
  switch (check.validation) {
    case 'cluster_api_accessible':
      return [{ namespace: check.namespace, rules: [{ apiGroups: ['apps'], resources: ['daemonsets', 'deployments'], verbs: ['list'] }] }];
    case 'load_balancer_provisioned':
      return [
        {
          namespace: check.namespace,
          rules: [
            { apiGroups: [''], resources: ['services'], resourceNames: [check.service], verbs: ['get'] },
            { apiGroups: ['cert-manager.io'], resources: ['certificates'], resourceNames: [check.certificate], verbs: ['get'] },
          ],
        },
      ];
    case 'prometheus_targets_discovered':
      return [];
  }
}

/** The environment the script reads for a check. */
function checkEnv(check: GateCheck): k8s.EnvVar[] {
  switch (check.validation) {
    case 'cluster_api_accessible':
      return [{ name: 'GATE_NAMESPACE', value: check.namespace }];
    case 'load_balancer_provisioned':
      return [
        { name: 'GATE_CERTIFICATE', value: check.certificate },
        { name: 'GATE_NAMESPACE', value: check.namespace },
        { name: 'GATE_SERVICE', value: check.service },
      ];
    case 'prometheus_targets_discovered':
      return [{ name: 'PROMETHEUS_URL', value: check.prometheusUrl }];
  }
}

/** Whether the check talks to the Kubernetes API (kubectl beside busybox) or only over HTTP (busybox alone). */
const usesKubectl = (check: GateCheck) => check.validation !== 'prometheus_targets_discovered';

export class ReadinessGateChart extends PlatformChart {
  constructor(scope: Construct, id: string, props: ReadinessGateProps) {
    super(scope, id);
    validate(props);
    const gate = props.gate ?? READINESS_GATES[props.workflow];
    const ns = props.namespace;
    const name = id;
    const labels = standardLabels({ name, instance: id, component: 'readiness-gate' });
    const meta = (namespace: string): ApiObjectMetadata => ({ name, namespace, labels });
    const kubectl = usesKubectl(props.check);

    new k8s.KubeServiceAccount(this, 'serviceaccount', { metadata: meta(ns), automountServiceAccountToken: false });
    for (const { namespace, rules } of gateRules(props.check)) {
      new k8s.KubeRole(this, `role-${namespace}`, { metadata: meta(namespace), rules });
      new k8s.KubeRoleBinding(this, `rolebinding-${namespace}`, {
        metadata: meta(namespace),
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name },
        subjects: [{ kind: 'ServiceAccount', name, namespace: ns }],
      });
    }
    new k8s.KubeConfigMap(this, 'configmap', { metadata: meta(ns), data: { [GATE_SCRIPT_KEY]: props.script ?? GATE_SCRIPT } });

    const resources = (props.resources ?? DEFAULTS.resources).toRequirements();
    const shellImage = props.shellImage ?? DEFAULTS.shellImage;
    const busybox = `${PATHS.tools}/busybox`;
    const script = `${PATHS.scripts}/${GATE_SCRIPT_KEY}`;
    const env: k8s.EnvVar[] = [
      { name: 'GATE_INTERVAL_SECONDS', value: String(gate.retryIntervalSeconds) },
      { name: 'GATE_TIMEOUT_SECONDS', value: String(gate.timeoutSeconds) },
      ...checkEnv(props.check),
      // kubectl keeps its discovery cache under $HOME; the root filesystem is read-only.
      { name: 'HOME', value: PATHS.tmp },
      // The busybox copied beside kubectl (its `sleep`), then where either image keeps its binaries.
      ...(kubectl ? [{ name: 'PATH', value: `${PATHS.tools}:/usr/local/bin:/usr/bin:/bin` }] : []),
    ];
    const mounts: k8s.VolumeMount[] = [
      { name: 'scripts', mountPath: PATHS.scripts, readOnly: true },
      { name: 'tmp', mountPath: PATHS.tmp },
      ...(kubectl ? [{ name: 'tools', mountPath: PATHS.tools, readOnly: true }] : []),
    ];
    const check: k8s.Container = {
      name: 'check',
      image: kubectl ? props.kubectlImage ?? DEFAULTS.kubectlImage : shellImage,
      command: kubectl ? [busybox, 'sh', script] : ['/bin/sh', script],
      args: [props.check.validation],
      env,
      volumeMounts: mounts,
      resources,
      securityContext: RESTRICTED_CONTAINER_SECURITY_CONTEXT,
    };
    // The distroless kubectl image has no shell: a static busybox is copied beside it first.
    const shell: k8s.Container = {
      name: 'shell',
      image: shellImage,
      command: ['/bin/cp', '/bin/busybox', busybox],
      volumeMounts: [{ name: 'tools', mountPath: PATHS.tools }],
      resources,
      securityContext: RESTRICTED_CONTAINER_SECURITY_CONTEXT,
    };
    const emptyDir = (size: Storage): k8s.Volume['emptyDir'] => ({ sizeLimit: k8s.Quantity.fromString(size.toString()) });
    new k8s.KubeJob(this, 'job', {
      metadata: { ...meta(ns), annotations: { ...GATE_HOOK } },
      spec: {
        backoffLimit: 0,
        activeDeadlineSeconds: gate.timeoutSeconds,
        template: {
          // Never meshed: a sidecar would keep the Job from completing (emissary's namespace is injected).
          metadata: { labels: { ...labels, 'sidecar.istio.io/inject': 'false' } },
          spec: {
            serviceAccountName: name,
            automountServiceAccountToken: kubectl,
            restartPolicy: 'Never',
            priorityClassName: PRIORITY.platformCritical,
            securityContext: RESTRICTED_POD_SECURITY_CONTEXT,
            ...(kubectl ? { initContainers: [shell] } : {}),
            containers: [check],
            volumes: [
              { name: 'scripts', configMap: { name, defaultMode: 0o444 } },
              { name: 'tmp', emptyDir: emptyDir(DEFAULTS.scratch) },
              ...(kubectl ? [{ name: 'tools', emptyDir: emptyDir(DEFAULTS.scratch) }] : []),
            ],
          },
        },
      },
    });

    if (props.alerts) {
      const rules = pastGateRules(props.alerts.runbookUrl, READINESS_GATES);
      new PrometheusRule(this, 'prometheusrule', {
        metadata: { name: 'readiness-gates', namespace: ns, labels: standardLabels({ name: 'readiness-gates', instance: id, component: 'rules' }) },
        spec: {
          groups: [
            {
              name: 'platform-readiness-gates',
              rules: rules.map((r) => ({
                alert: r.alert,
                expr: PrometheusRuleSpecGroupsRulesExpr.fromString(r.expr),
                for: r.for.toString(),
                labels: { ...r.labels },
                annotations: { ...r.annotations },
              })),
            },
          ],
        },
      });
    }
  }
}

function validate(props: ReadinessGateProps): void {
  const id = READINESS_COMPONENTS[props.workflow];
  const wanted = GUIDE_VALIDATIONS[props.workflow];
  if (props.check.validation !== wanted) {
    throw new Error(`${id}: check.validation is "${props.check.validation}", but the guide's ${props.workflow} gate is "${wanted}"; use that check`);
  }
  const gate = props.gate ?? READINESS_GATES[props.workflow];
  const whole = (n: number) => Number.isInteger(n) && n > 0;
  if (!whole(gate.timeoutSeconds) || !whole(gate.retryIntervalSeconds) || gate.retryIntervalSeconds > gate.timeoutSeconds) {
    throw new Error(`${id}: gate ${gate.timeoutSeconds}s/${gate.retryIntervalSeconds}s must be whole seconds with the interval at most the timeout`);
  }
  if (props.after.length === 0) {
    throw new Error(`${id}: after is empty; list every other component of the ${props.workflow} workflow, so the gate runs at its end`);
  }
  if (props.after.includes(id)) throw new Error(`${id}: after lists the gate itself; list the other components of the ${props.workflow} workflow`);
  if (props.check.validation === 'prometheus_targets_discovered' && !/^http:\/\/[^/]+$/.test(props.check.prometheusUrl)) {
    throw new Error(`${id}: check.prometheusUrl "${props.check.prometheusUrl}" must be a plain http:// base URL without a path (busybox wget speaks HTTP), e.g. http://prometheus.observability.svc.cluster.local:9090`);
  }
}

/** The operator's side of the gates: where to read a failed gate, and the alert's runbook. */
function runbook(props: ReadinessGateProps): RunbookSection[] {
  const id = READINESS_COMPONENTS[props.workflow];
  const gate = props.gate ?? READINESS_GATES[props.workflow];
  const body = [
    `\`${id}\` closes the ${props.workflow} workflow with the guide's \`${GUIDE_VALIDATIONS[props.workflow]}\` check: a PostSync`,
    `Job that tries every ${gate.retryIntervalSeconds}s for up to ${gate.timeoutSeconds}s. Until it passes, the waves after the ${props.workflow} workflow wait;`,
    'each attempt logs what is not ready yet. Read the last run, then sync again once the cause is fixed:',
    '',
    '```bash',
    `kubectl -n ${props.namespace} logs job/${id}`,
    `argocd app sync ${id}`,
    '```',
    ...(props.alerts ? ['', PAST_GATE_RUNBOOK] : []),
  ];
  return [{ phase: 'operations', title: `Readiness gate: ${props.workflow}`, body: body.join('\n') }];
}

/** The labels of a gate's Job pod (its selector labels), for peers' NetworkPolicies. */
export function gatePodLabels(workflow: GatedWorkflow): Readonly<Record<string, string>> {
  const id = READINESS_COMPONENTS[workflow];
  return selectorLabels({ name: id, instance: id });
}

export function readinessGateComponent(props: ReadinessGateProps): PlatformComponent {
  validate(props);
  const id = READINESS_COMPONENTS[props.workflow];
  return {
    id,
    workflow: props.workflow,
    namespace: props.namespace,
    dependsOn: [...props.after].sort(),
    source: manifests((scope) => new ReadinessGateChart(scope, id, props)),
    runbook: runbook(props),
  };
}
