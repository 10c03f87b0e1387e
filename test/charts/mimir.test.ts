import { mimirComponent } from '../../charts/mimir';
import { CHARTS } from '../../config/versions';
import { clusterConfig } from '../../eksctl/cluster-config';
import { ROLE_ARN_ANNOTATION } from '../../lib/irsa';
import { WorkloadKind } from '../../lib/resources';
import { MIMIR_RULES_CONFIG_MAP } from '../../workflows/observability';
import { component, helmValues, shippedEnvironment } from '../support';

const prod = shippedEnvironment('prod');
const v = helmValues(prod, 'mimir');
const dev = helmValues(shippedEnvironment('dev'), 'mimir');
const staging = helmValues(shippedEnvironment('staging'), 'mimir');

describe('mimir', () => {
  it('installs the pinned mimir-distributed chart into the observability namespace', () => {
    const c = component(prod, 'mimir');
    expect(c.namespace).toBe('observability');
    expect(c.source).toMatchObject({ type: 'helm', chart: CHARTS.mimir });
    expect(CHARTS.mimir.version).toBe('6.0.4');
  });

  it('runs the classic architecture: no Kafka, ingest storage off, ingesters accept pushes, no demo object store', () => {
    expect(v.kafka.enabled).toBe(false);
    expect(v.mimir.structuredConfig.ingest_storage.enabled).toBe(false);
    expect(v.mimir.structuredConfig.ingester.push_grpc_method_enabled).toBe(true);
    expect(v.minio.enabled).toBe(false);
  });

  it('stores blocks in the environment bucket through IRSA, with the annotation eksctl creates the role for', () => {
    expect(v.mimir.structuredConfig.common.storage).toEqual({
      backend: 's3',
      s3: { endpoint: 's3.eu-west-1.amazonaws.com', region: 'eu-west-1', bucket_name: 'acme-prod-mimir' },
    });
    const role = component(prod, 'mimir').irsa![0];
    expect(v.serviceAccount.annotations[ROLE_ARN_ANNOTATION]).toBe(role.roleArn);
    expect(role.serviceAccount).toBe(v.serviceAccount.name);
    const eks = clusterConfig(prod.env, prod.components.flatMap((c) => c.irsa ?? []));
    const sa = (eks as any).iam.serviceAccounts.find((s: any) => s.metadata.name === 'mimir' && s.metadata.namespace === 'observability');
    expect(`arn:aws:iam::123456789012:role/${sa.roleName}`).toBe(v.serviceAccount.annotations[ROLE_ARN_ANNOTATION]);
    expect(JSON.stringify(sa.attachPolicy)).toContain('arn:aws:s3:::acme-prod-mimir/*');
  });

  it('replicates ingesters and store-gateways across the three prod availability zones with the rollout-operator', () => {
    for (const section of [v.ingester, v.store_gateway]) {
      expect(section.replicas).toBe(3);
      expect(section.zoneAwareReplication.enabled).toBe(true);
      expect(section.zoneAwareReplication.zones.map((z: any) => z.nodeSelector['topology.kubernetes.io/zone'])).toEqual(['eu-west-1a', 'eu-west-1b', 'eu-west-1c']);
    }
    expect(v.mimir.structuredConfig.ingester.ring.replication_factor).toBe(3);
    expect(v.rollout_operator.enabled).toBe(true);
    const c = component(prod, 'mimir');
    expect(c.clusterResources).toEqual(expect.arrayContaining(['admissionregistration.k8s.io/ValidatingWebhookConfiguration', 'apiextensions.k8s.io/CustomResourceDefinition']));
    expect(c.ignoreDifferences?.map((d) => d.kind).sort()).toEqual(['MutatingWebhookConfiguration', 'ValidatingWebhookConfiguration']);
  });

  it('keeps staging zones logical (no node group per zone there) but still zone-aware', () => {
    expect(staging.ingester.zoneAwareReplication.enabled).toBe(true);
    expect(staging.ingester.zoneAwareReplication.zones).toEqual([{ name: 'zone-a' }, { name: 'zone-b' }, { name: 'zone-c' }]);
  });

  it('runs one replica of everything in dev, with replication factor 1 and no rollout-operator or webhooks', () => {
    for (const s of ['distributor', 'ingester', 'querier', 'query_frontend', 'query_scheduler', 'store_gateway', 'compactor', 'ruler', 'gateway']) {
      expect(dev[s].replicas).toBe(1);
    }
    expect(dev.ingester.zoneAwareReplication.enabled).toBe(false);
    expect(dev.mimir.structuredConfig.ingester.ring.replication_factor).toBe(1);
    expect(dev.mimir.structuredConfig.store_gateway.sharding_ring.replication_factor).toBe(1);
    expect(dev.rollout_operator).toEqual({ enabled: false });
    expect(component(shippedEnvironment('dev'), 'mimir').clusterResources).not.toContain('admissionregistration.k8s.io/ValidatingWebhookConfiguration');
    expect(dev.ingester.resources.requests.memory).toBe('256Mi');
  });

  it('declares each zone StatefulSet with the resources it passes to the chart', () => {
    const c = component(prod, 'mimir');
    const ingesters = c.workloads.filter((w) => w.name.startsWith('mimir-ingester-zone-'));
    expect(ingesters.map((w) => w.kind)).toEqual([WorkloadKind.StatefulSet, WorkloadKind.StatefulSet, WorkloadKind.StatefulSet]);
    expect(ingesters[0].containers[0].resources.toK8s()).toEqual(v.ingester.resources);
    expect(c.workloads.find((w) => w.name === 'mimir-gateway')!.replicas).toBe(v.gateway.replicas);
  });

  it('stores exemplars, so Grafana can open the trace behind a metric sample', () => {
    expect(v.mimir.structuredConfig.limits.max_global_exemplars_per_user).toBeGreaterThan(0);
  });

  it('turns off its own Alertmanager and sends ruler alerts to the kube-prometheus-stack Alertmanager', () => {
    expect(v.alertmanager.enabled).toBe(false);
    expect(v.mimir.structuredConfig.ruler.alertmanager_url).toBe('http://kube-prometheus-stack-alertmanager.observability.svc.cluster.local:9093');
  });

  it('mounts the ruler rules ConfigMap observability-config renders into the tenant directory of the local rule store', () => {
    expect(v.mimir.structuredConfig.ruler_storage).toEqual({ backend: 'local', local: { directory: '/etc/mimir-rules' } });
    expect(v.ruler.extraVolumes).toEqual([{ name: 'rules', configMap: { name: MIMIR_RULES_CONFIG_MAP, optional: true } }]);
    expect(v.ruler.extraVolumeMounts[0].mountPath).toBe('/etc/mimir-rules/anonymous');
    expect(v.mimir.structuredConfig.multitenancy_enabled).toBe(false);
  });

  it('keeps 90 days of blocks and documents the bucket in the AWS runbook', () => {
    expect(v.mimir.structuredConfig.limits.compactor_blocks_retention_period).toBe('90d');
    const runbook = component(prod, 'mimir').runbook!;
    expect(runbook[0].phase).toBe('aws');
    expect(runbook[0].body).toContain('aws s3api create-bucket --bucket acme-prod-mimir');
    expect(runbook[0].body).not.toContain('Expiration');
  });

  it('rejects an invalid bucket name and a zone list that is not three zones, naming the fix', () => {
    const base = {
      namespace: 'observability',
      target: { clusterName: 'acme-prod', accountId: '123456789012', region: 'eu-west-1' },
      highAvailability: true,
      alertmanagerUrl: 'http://am:9093',
      rulerRulesConfigMap: 'rules',
    };
    expect(() => mimirComponent({ ...base, bucket: 'Acme_Mimir' })).toThrow(/bucket "Acme_Mimir" is not a valid S3 bucket name/);
    expect(() => mimirComponent({ ...base, bucket: 'acme-prod-mimir', zones: ['eu-west-1a', 'eu-west-1b'] })).toThrow(/needs exactly 3/);
  });
});
