/** The external-dns chart keys we set, at the version `CHARTS.externalDns` pins. Checked against chart-values/external-dns/<version> (values.schema.json). */
import { K8sResources } from '../../lib/resources';

export type DnsPolicy = 'sync' | 'upsert-only' | 'create-only';

export interface EnvVarFromSecret {
  readonly name: string;
  readonly valueFrom: { readonly secretKeyRef: { readonly name: string; readonly key: string } };
}

export interface ExternalDnsValues {
  readonly provider: { readonly name: 'cloudflare' };
  readonly env: readonly EnvVarFromSecret[];
  readonly sources: readonly string[];
  readonly policy: DnsPolicy;
  readonly registry: 'txt';
  readonly txtOwnerId: string;
  readonly domainFilters: readonly string[];
  /** Sync period (`--interval`). */
  readonly interval: string;
  /** Extra flags, one `--flag[=value]` string each. */
  readonly extraArgs: readonly string[];
  readonly resources: K8sResources;
  readonly priorityClassName: string;
  readonly serviceMonitor: { readonly enabled: boolean };
}
