/**
 * k6-operator: staging's "Performance testing: load testing capabilities".
 *
 * The operator is an Application like any other; the load tests are not. One TestRun per public
 * service (and the script they share) render to `dist/<env>/loadtests/`, a folder no Application
 * syncs: a person starts a test with `kubectl apply -f loadtests/`, and Argo CD never starts (or
 * restarts) one. TestRuns hit the public hostname, so a test measures the whole path a user's
 * request takes: load balancer, emissary, mesh, service.
 */
import { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-28';
import type { PlatformComponentId } from '../../config/ids';
import { CHARTS, IMAGES } from '../../config/versions';
import { PlatformComponent, manifests, Workflow } from '../../lib/component';
import { Duration } from '../../lib/duration';
import { helmComponent } from '../../lib/helm-component';
import { standardLabels } from '../../lib/labels';
import { PlatformChart } from '../../lib/platform-chart';
import { crdQuantities, Resources } from '../../lib/resources';
import { RESTRICTED_CONTAINER_SECURITY_CONTEXT, RESTRICTED_POD_SECURITY_CONTEXT } from '../../lib/security';
import { TrafficEdge } from '../../lib/traffic';
import {
  TestRun,
  TestRunSpecCleanup,
  TestRunSpecInitializerResourcesLimits,
  TestRunSpecInitializerResourcesRequests,
  TestRunSpecRunner,
  TestRunSpecRunnerResourcesLimits,
  TestRunSpecRunnerResourcesRequests,
  TestRunSpecStarterResourcesLimits,
  TestRunSpecStarterResourcesRequests,
} from '../../imports/k6.io';
import { K6OperatorValues } from './values';

/** This component's id: its Argo CD Application name. */
export const ID = 'k6-operator' satisfies PlatformComponentId;

export type { K6OperatorValues } from './values';

/** A public service to load-test through its public URL. */
export interface LoadTestTarget {
  readonly name: string;
  /** e.g. `https://gateway-api.staging.example.com/healthz` */
  readonly url: string;
}

/** The shape of one test: ramp up, hold, ramp down, with pass/fail thresholds. */
export interface LoadProfile {
  readonly virtualUsers: number;
  readonly rampUp: Duration;
  readonly hold: Duration;
  readonly rampDown: Duration;
  /** k6 thresholds: the test fails when the target breaks them. */
  readonly maxFailedRate: number;
  readonly p95Ms: number;
}

export interface K6OperatorProps {
  readonly namespace: string;
  readonly targets: readonly LoadTestTarget[];
  /** @default DEFAULTS.resources */
  readonly resources?: Resources;
  /** @default DEFAULTS.runnerResources */
  readonly runnerResources?: Resources;
  /** @default DEFAULTS.profile */
  readonly profile?: LoadProfile;
}

export const DEFAULTS = {
  resources: Resources.of({ cpu: '50m', memory: '64Mi' }, { cpu: '200m', memory: '128Mi' }),
  /** One k6 runner pod per test; applied by hand, so the plan does not count it. */
  runnerResources: Resources.of({ cpu: '500m', memory: '512Mi' }, { cpu: '1', memory: '1Gi' }),
  /** The initializer (`k6 archive`, checks the script) and the starter (one HTTP call per runner). */
  helperResources: Resources.of({ cpu: '50m', memory: '64Mi' }, { cpu: '200m', memory: '256Mi' }),
  profile: { virtualUsers: 50, rampUp: Duration.minutes(1), hold: Duration.minutes(5), rampDown: Duration.seconds(30), maxFailedRate: 0.01, p95Ms: 500 } satisfies LoadProfile,
  /** Test pod images, from the one versions table. */
  images: { runner: IMAGES.k6Runner, starter: IMAGES.k6Starter },
  scriptConfigMap: 'k6-http-load',
  scriptFile: 'http-load.js',
  /** Where the unsynced objects render: dist/<env>/loadtests/. */
  folder: 'loadtests',
} as const;

/** The k6 script every TestRun runs, parameterized by its environment. */
export const SCRIPT = `import http from 'k6/http';
import { check } from 'k6';

// Everything comes from the TestRun's environment, so one script serves every service.
const target = __ENV.TARGET_URL;

export const options = {
  stages: [
    { duration: __ENV.RAMP_UP, target: Number(__ENV.VUS) },
    { duration: __ENV.HOLD, target: Number(__ENV.VUS) },
    { duration: __ENV.RAMP_DOWN, target: 0 },
  ],
  thresholds: {
    http_req_failed: [\`rate<\${__ENV.MAX_FAILED_RATE}\`],
    http_req_duration: [\`p(95)<\${__ENV.P95_MS}\`],
  },
};

export default function () {
  const res = http.get(target);
  check(res, { 'status is 2xx': (r) => r.status >= 200 && r.status < 300 });
}
`;

function testPodSecurity(): Pick<TestRunSpecRunner, 'securityContext' | 'containerSecurityContext' | 'automountServiceAccountToken'> {
  return {
    securityContext: RESTRICTED_POD_SECURITY_CONTEXT,
    containerSecurityContext: RESTRICTED_CONTAINER_SECURITY_CONTEXT,
    automountServiceAccountToken: 'false',
  };
}

/**
 * Requests and limits in the generated TestRun types. imports/k6.io.ts gives each pod role
 * (initializer, starter, runner) and each of requests/limits its own quantity class (an IntOrString
 * with a private constructor, so they are not interchangeable): this builds them from one
 * K8sResources with the role's factories.
 */

/** The objects a person applies: the script ConfigMap and one TestRun per public service. */
export class LoadTestsChart extends PlatformChart {
  constructor(scope: Construct, id: string, props: K6OperatorProps) {
    super(scope, id, { namespace: props.namespace });
    const profile = props.profile ?? DEFAULTS.profile;
    const runner = (props.runnerResources ?? DEFAULTS.runnerResources).toK8s();
    const helper = DEFAULTS.helperResources.toK8s();
    const labels = (name: string) => standardLabels({ name, instance: 'k6-operator', component: 'load-test' });
    new k8s.KubeConfigMap(this, 'script', {
      metadata: { name: DEFAULTS.scriptConfigMap, namespace: props.namespace, labels: labels(DEFAULTS.scriptConfigMap) },
      data: { [DEFAULTS.scriptFile]: SCRIPT },
    });
    // k6 writes its archive and temporary files under /tmp; the root filesystem stays read-only.
    const tmp = { volumes: [{ name: 'tmp', emptyDir: {} }], volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }] };
    for (const t of [...props.targets].sort((a, b) => a.name.localeCompare(b.name))) {
      const name = `load-${t.name}`;
      new TestRun(this, `testrun-${t.name}`, {
        metadata: { name, namespace: props.namespace, labels: labels(name) },
        spec: {
          parallelism: 1,
          script: { configMap: { name: DEFAULTS.scriptConfigMap, file: DEFAULTS.scriptFile } },
          arguments: `--tag testid=${name}`,
          cleanup: TestRunSpecCleanup.POST,
          initializer: {
            image: DEFAULTS.images.runner,
            resources: crdQuantities(helper, TestRunSpecInitializerResourcesRequests.fromString, TestRunSpecInitializerResourcesLimits.fromString),
            ...testPodSecurity(),
            ...tmp,
          },
          starter: {
            image: DEFAULTS.images.starter,
            resources: crdQuantities(helper, TestRunSpecStarterResourcesRequests.fromString, TestRunSpecStarterResourcesLimits.fromString),
            ...testPodSecurity(),
          },
          runner: {
            image: DEFAULTS.images.runner,
            metadata: { labels: labels(name) },
            resources: crdQuantities(runner, TestRunSpecRunnerResourcesRequests.fromString, TestRunSpecRunnerResourcesLimits.fromString),
            env: [
              { name: 'TARGET_URL', value: t.url },
              { name: 'VUS', value: String(profile.virtualUsers) },
              { name: 'RAMP_UP', value: profile.rampUp.toString() },
              { name: 'HOLD', value: profile.hold.toString() },
              { name: 'RAMP_DOWN', value: profile.rampDown.toString() },
              { name: 'MAX_FAILED_RATE', value: String(profile.maxFailedRate) },
              { name: 'P95_MS', value: String(profile.p95Ms) },
            ],
            ...testPodSecurity(),
            ...tmp,
          },
        },
      });
    }
  }
}

/**
 * The pods: the operator (the chart's selector labels) and the TestRun pods it creates (k6-operator
 * pkg/resources/jobs: `app: k6` and `k6_cr: <TestRun>` on the initializer, starter and runners,
 * `runner: "true"` on the runners only), and the runners' REST API port.
 */
export const K6_PODS = {
  operator: { 'app.kubernetes.io/name': 'k6-operator', 'app.kubernetes.io/instance': 'k6-operator', 'control-plane': 'controller-manager' },
  testRun: { app: 'k6' },
  runners: { app: 'k6', runner: 'true' },
} as const;
export const K6_RUNNER_API_PORT = 6565;

/** The port of an http(s) URL. */
function urlPort(url: string): number {
  const u = new URL(url);
  return Number(u.port || (u.protocol === 'https:' ? 443 : 80));
}

/**
 * The load tests' traffic (lib/traffic.ts; the operator's API access and scrape are derived): the
 * operator (setup, status) and the starter (start) call the runners' REST API; the runners call
 * the targets' public hostnames, which resolve to the load balancer: the world on the targets'
 * ports, so a test measures the path a user's request takes.
 */
export function k6Traffic(namespace: string, targets: readonly LoadTestTarget[]): TrafficEdge[] {
  const edges: TrafficEdge[] = [
    {
      name: 'k6-operator-runners',
      from: { namespace, pods: K6_PODS.operator },
      to: { namespace, pods: K6_PODS.runners },
      ports: [{ port: K6_RUNNER_API_PORT }],
      reason: "The operator runs the test's setup and polls each runner's status on its REST API.",
    },
    {
      name: 'k6-starter-runners',
      from: { namespace, pods: K6_PODS.testRun },
      to: { namespace, pods: K6_PODS.runners },
      ports: [{ port: K6_RUNNER_API_PORT }],
      reason: "The starter Job starts the paused runners through their REST API (it carries only the TestRun's labels, which the runners share).",
    },
  ];
  const ports = [...new Set(targets.map((t) => urlPort(t.url)))].sort((a, b) => a - b);
  if (ports.length > 0) {
    edges.push({
      name: 'k6-runners-targets',
      from: { namespace, pods: K6_PODS.runners },
      to: { entity: 'world' },
      ports: ports.map((port) => ({ port })),
      reason: `The runners load the public hostnames (${targets.map((t) => new URL(t.url).host).join(', ')}) through the load balancer.`,
    });
  }
  return edges;
}

export function k6OperatorComponent(props: K6OperatorProps): PlatformComponent {
  const resources = props.resources ?? DEFAULTS.resources;
  for (const t of props.targets) {
    if (!/^https?:\/\/[^/\s]+(\/\S*)?$/.test(t.url)) throw new Error(`k6-operator: target ${t.name} has URL "${t.url}"; expected an absolute http(s) URL such as https://${t.name}.example.com/healthz`);
  }
  const values: K6OperatorValues = {
    installCRDs: true,
    namespace: { create: false },
    manager: {
      replicas: 1,
      resources: resources.toK8s(),
      logging: { development: false },
      // Only TestRuns in the load-test namespace; the operator ignores the rest of the cluster.
      env: [{ name: 'WATCH_NAMESPACE', value: props.namespace }],
      podSecurityContext: RESTRICTED_POD_SECURITY_CONTEXT,
      containerSecurityContext: RESTRICTED_CONTAINER_SECURITY_CONTEXT,
    },
    // Its controller-runtime metrics are plain HTTP on the port the chart's ServiceMonitor scrapes.
    metrics: { serviceMonitor: { enabled: true } },
  };
  return helmComponent({
    id: ID,
    workflow: Workflow.GitOps,
    namespace: props.namespace,
    dependsOn: [],
    // The chart has no priorityClassName key: the operator (a staging test tool) runs at the
    // default priority, below the services it tests.
    chart: CHARTS.k6Operator,
    values,
    unsynced: { folder: DEFAULTS.folder, source: manifests((scope) => new LoadTestsChart(scope, 'loadtests', props)) },
    traffic: k6Traffic(props.namespace, props.targets),
  });
}
