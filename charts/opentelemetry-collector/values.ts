/** The opentelemetry-collector chart (0.170.0) keys we set. Checked against chart-values/opentelemetry-collector/0.170.0 (values and schema). */
import type { k8s } from 'cdk8s-plus-28';
import { K8sResources } from '../../lib/resources';

export interface CollectorPipeline {
  readonly receivers: readonly string[];
  readonly processors: readonly string[];
  readonly exporters: readonly string[];
}

/**
 * The collector's own configuration (the schema declares `config` an open object), merged by Helm
 * over the chart's default config. The default Jaeger, Zipkin and self-scrape receivers stay
 * defined but are in no pipeline, and the collector only starts components a pipeline uses.
 */
export interface CollectorConfig {
  readonly receivers: {
    readonly otlp: { readonly protocols: { readonly grpc: { readonly endpoint: string }; readonly http: { readonly endpoint: string } } };
  };
  readonly processors: {
    readonly batch: { readonly send_batch_size: number; readonly timeout: string };
    readonly memory_limiter: { readonly check_interval: string; readonly limit_percentage: number; readonly spike_limit_percentage: number };
  };
  readonly exporters: Record<string, { readonly endpoint: string; readonly tls?: { readonly insecure: boolean } }>;
  readonly service: {
    readonly pipelines: { readonly traces: CollectorPipeline; readonly metrics: CollectorPipeline; readonly logs: CollectorPipeline };
  };
}

export interface CollectorPort {
  readonly enabled: boolean;
  readonly hostPort?: number;
}

export interface OpenTelemetryCollectorValues {
  readonly mode: 'daemonset';
  readonly image: { readonly repository: string };
  readonly command: { readonly name: string };
  readonly presets: {
    readonly logsCollection: { readonly enabled: boolean; readonly storeCheckpoints: boolean };
    readonly kubernetesAttributes: { readonly enabled: boolean };
  };
  readonly config: CollectorConfig;
  readonly ports: Record<string, CollectorPort>;
  readonly service: { readonly enabled: boolean; readonly internalTrafficPolicy: 'Local' };
  readonly resources: K8sResources;
  readonly priorityClassName: string;
  readonly podSecurityContext: k8s.PodSecurityContext;
  readonly securityContext: k8s.SecurityContext;
  readonly tolerations: readonly k8s.Toleration[];
  readonly podMonitor: { readonly enabled: boolean };
}
