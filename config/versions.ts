/**
 * The one versions table: every upstream chart, image and git source the platform pins.
 * Renovate keeps it current (renovate.json); nothing else in the code names a version.
 * Chart versions match ../shared/chart-values, so every value key we set is checked against them.
 */
export interface ChartPin {
  /** Helm repository URL, or for OCI charts the registry path without `oci://` (Argo CD's form). */
  readonly repoURL: string;
  readonly chart: string;
  /** Exact chart version, never a range. */
  readonly version: string;
  readonly oci?: boolean;
}

export const CHARTS = {
  cilium: { repoURL: 'https://helm.cilium.io/', chart: 'cilium', version: '1.20.0' },
  metricsServer: { repoURL: 'https://kubernetes-sigs.github.io/metrics-server/', chart: 'metrics-server', version: '3.13.1' },
  clusterAutoscaler: { repoURL: 'https://kubernetes.github.io/autoscaler', chart: 'cluster-autoscaler', version: '9.59.0' },
  prometheusOperatorCrds: { repoURL: 'https://prometheus-community.github.io/helm-charts', chart: 'prometheus-operator-crds', version: '31.0.1' },
  certManager: { repoURL: 'https://charts.jetstack.io', chart: 'cert-manager', version: 'v1.21.1' },
  externalDns: { repoURL: 'https://kubernetes-sigs.github.io/external-dns/', chart: 'external-dns', version: '1.21.1' },
  emissaryCrds: { repoURL: 'ghcr.io/emissary-ingress', chart: 'emissary-crds-chart', version: '4.1.0', oci: true },
  emissaryIngress: { repoURL: 'ghcr.io/emissary-ingress', chart: 'emissary-ingress', version: '4.1.0', oci: true },
  loki: { repoURL: 'https://grafana-community.github.io/helm-charts', chart: 'loki', version: '18.11.0' },
  tempo: { repoURL: 'https://grafana-community.github.io/helm-charts', chart: 'tempo', version: '2.2.4' },
  kubePrometheusStack: { repoURL: 'https://prometheus-community.github.io/helm-charts', chart: 'kube-prometheus-stack', version: '88.5.3' },
  opentelemetryCollector: { repoURL: 'https://open-telemetry.github.io/opentelemetry-helm-charts', chart: 'opentelemetry-collector', version: '0.170.0' },
  grafana: { repoURL: 'https://grafana-community.github.io/helm-charts', chart: 'grafana', version: '12.11.1' },
  argocd: { repoURL: 'https://argoproj.github.io/argo-helm', chart: 'argo-cd', version: '10.1.1' },
  argoRollouts: { repoURL: 'https://argoproj.github.io/argo-helm', chart: 'argo-rollouts', version: '2.41.0' },
  tektonOperator: { repoURL: 'ghcr.io/tektoncd/operator/charts', chart: 'tekton-operator', version: '0.81.1', oci: true },
  openbao: { repoURL: 'https://openbao.github.io/openbao-helm', chart: 'openbao', version: '0.29.2' },
  externalSecrets: { repoURL: 'https://charts.external-secrets.io', chart: 'external-secrets', version: '2.9.0' },
  gatekeeper: { repoURL: 'https://open-policy-agent.github.io/gatekeeper/charts', chart: 'gatekeeper', version: '3.23.0' },
  falco: { repoURL: 'https://falcosecurity.github.io/charts', chart: 'falco', version: '9.1.0' },
  istioBase: { repoURL: 'https://istio-release.storage.googleapis.com/charts', chart: 'base', version: '1.30.3' },
  istiod: { repoURL: 'https://istio-release.storage.googleapis.com/charts', chart: 'istiod', version: '1.30.3' },
  istioCni: { repoURL: 'https://istio-release.storage.googleapis.com/charts', chart: 'cni', version: '1.30.3' },
  cloudnativePg: { repoURL: 'https://cloudnative-pg.github.io/charts', chart: 'cloudnative-pg', version: '0.29.0' },
  barmanCloud: { repoURL: 'https://cloudnative-pg.github.io/charts', chart: 'plugin-barman-cloud', version: '0.7.0' },
  redisOperator: { repoURL: 'ghcr.io/ot-container-kit/charts', chart: 'redis-operator', version: '0.26.1', oci: true },
  strimzi: { repoURL: 'quay.io/strimzi-helm', chart: 'strimzi-kafka-operator', version: '1.2.0', oci: true },
  k6Operator: { repoURL: 'https://grafana.github.io/helm-charts', chart: 'k6-operator', version: '4.6.0' },
} as const satisfies Record<string, ChartPin>;

/**
 * Amazon EKS's Kubernetes versions, as endoflife.date lists them (product `amazon-eks`): `newest`
 * is the newest minor EKS offers. Renovate bumps it (renovate.json, endoflife-date datasource),
 * and the clusters follow the efficiency guide's `version_strategy: "n-1"` ("stay one version
 * behind for stability"): KUBERNETES_VERSION below, which every environment renders unless
 * platform.yaml holds it back with `kubernetesVersion`.
 */
export const EKS_VERSIONS = { product: 'amazon-eks', newest: '1.36' } as const;

/** The minor before `version` (`1.36` → `1.35`). */
export function previousMinor(version: string): string {
  const m = /^(\d+)\.(\d+)$/.exec(version);
  if (!m || Number(m[2]) === 0) throw new Error(`config/versions.ts: "${version}" is not a Kubernetes minor version such as "1.36"`);
  return `${m[1]}.${Number(m[2]) - 1}`;
}

/** The Kubernetes minor the clusters run: one behind the newest EKS offers (n-1). */
export const KUBERNETES_VERSION = previousMinor(EKS_VERSIONS.newest);

/**
 * The EKS-optimized Amazon Linux 2023 AMI release every managed node group runs (eksctl
 * `releaseVersion`), per Kubernetes minor: `<kubelet version>-<build date>`. The clusters'
 * minor must be here (synth fails without it, naming the command below); the Renovate PR that moves
 * the clusters a minor needs the new minor's release added (the refresh prints both).
 * No Renovate datasource returns these: `aws-machine-image` returns AMI IDs (and needs AWS
 * credentials), and the amazon-eks-ami release tags carry the build date but not the kubelet
 * patch the release version includes. Refresh them with the command of the bootstrap README's
 * "Refresh the node AMIs" (`aws ssm get-parameter` on the public parameter
 * /aws/service/eks/optimized-ami/<minor>/amazon-linux-2023/x86_64/standard/recommended/release_version).
 */
export const NODE_AMI_RELEASES: Readonly<Record<string, string>> = {
  '1.35': '1.35.0-20260129',
};

/** Upstream git sources (pinned to a tag or commit). */
export const GIT_SOURCES = {
  /** open-policy-agent/gatekeeper-library has no tags; pinned to the commit the constraint schemas come from. */
  gatekeeperLibrary: {
    repoURL: 'https://github.com/open-policy-agent/gatekeeper-library.git',
    revision: '5c441fb645f257b2c428fe9aea22da24a94b5bab',
  },
} as const;

/** Images we run in objects we author (hooks, tasks). Exact tags, never `latest`. */
export const IMAGES = {
  kubectl: 'registry.k8s.io/kubectl:v1.35.0',
  /** Static busybox (musl build): the shell for scripts run beside the distroless kubectl image. */
  busybox: 'docker.io/library/busybox:1.37.0-musl',
  clusterAutoscaler: 'registry.k8s.io/autoscaling/cluster-autoscaler:v1.35.0',
  /**
   * PostgreSQL for the CloudNativePG Cluster. Pinned: left to the operator's default, an operator
   * upgrade that changes the default major version would start a major upgrade of the database.
   */
  postgres: 'ghcr.io/cloudnative-pg/postgresql:18.2-standard-trixie',
  /**
   * The OT redis-operator's Redis and Sentinel images. Redis 7.0 is out of support; 8.2.2 is the
   * release the pinned operator (v0.26) is tested with (its Sentinel tests run redis-sentinel:v8.2.2),
   * and 7.4 or later is the supported floor. The operator's TLS (tls-port, tls-replication) and
   * ACL file are version-independent.
   */
  redis: 'quay.io/opstree/redis:v8.2.2',
  redisSentinel: 'quay.io/opstree/redis-sentinel:v8.2.2',
  redisExporter: 'quay.io/opstree/redis-exporter:v1.44.0',
  /**
   * Tekton CI steps. Images are built by rootless BuildKit (daemonless, as uid 1000; kaniko runs
   * the Dockerfile as root) into an OCI layout, and pushed by crane in a separate step.
   */
  ciGit: 'docker.io/alpine/git:v2.49.1',
  ciYq: 'docker.io/mikefarah/yq:4.47.2',
  ciCurl: 'docker.io/curlimages/curl:8.16.0',
  ciBuildkit: 'docker.io/moby/buildkit:v0.25.1-rootless',
  ciCrane: 'gcr.io/go-containerregistry/crane:v0.20.6',
  /** k6 load tests: k6 1.7.1 is the k6 that k6-operator 1.6.0 (chart 4.6.0) is built against; the starter is the operator's own release. */
  k6Runner: 'grafana/k6:1.7.1',
  k6Starter: 'ghcr.io/grafana/k6-operator:starter-v1.6.0',
  /**
   * Grafana Mimir, run natively in monolithic mode (charts/mimir): 3.0.1 is the Mimir that
   * mimir-distributed 6.0.4 ships (its appVersion and image.tag), the chart it replaces.
   */
  mimir: 'grafana/mimir:3.0.1',
  /**
   * AWS CLI v2, AWS's own image from its public registry: the upload step of the backup CronJobs
   * (lib/backup.ts). Platform namespaces are audit-only for the registry rule, like the other images here.
   */
  awsCli: 'public.ecr.aws/aws-cli/aws-cli:2.36.15',
} as const;
