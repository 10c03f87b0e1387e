/**
 * OpenBao built from props for the chart tests (no shipped config): a throwaway CA made with
 * openssl, minimal props for a highly available (KMS, three voters) or a single (static seal)
 * OpenBao, and its rendering with the pinned chart beside the CRDs its objects need.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ApiObject } from 'cdk8s';
import { OpenBaoProps } from '../../charts/openbao';
import { prometheusOperatorCrdsComponent } from '../../charts/prometheus-operator-crds';
import { IMAGES } from '../../config/versions';
import { Component, manifests, Workflow } from '../../lib/component';
import { LabelDomain } from '../../lib/labels';
import { PlatformChart } from '../../lib/platform-chart';
import { K8sObject } from '../../lib/render';
import { Resources } from '../../lib/resources';
import { Storage } from '../../lib/storage';
import { TierPolicy } from '../../lib/tier-policy';
import { renderComponent } from '../support';

let ca: string | undefined;
/** A CA certificate (PEM), made once per test file with openssl; its key is thrown away. */
export function testCaCertificate(): string {
  if (ca) return ca;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'openbao-test-ca-'));
  try {
    const crt = path.join(dir, 'ca.crt');
    execFileSync('openssl', ['req', '-x509', '-new', '-nodes', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-days', '30', '-keyout', path.join(dir, 'ca.key'), '-out', crt, '-subj', '/CN=openbao-test-ca', '-addext', 'basicConstraints=critical,CA:TRUE,pathlen:0', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'], { stdio: 'ignore' });
    ca = fs.readFileSync(crt, 'utf8');
    return ca;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export const KMS_KEY_ARN = 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';

/** Three voters sealed with KMS, spread by prod's tier policy. */
export function haProps(): OpenBaoProps {
  return {
    namespace: 'security',
    target: { clusterName: 'acme-prod', accountId: '123456789012' },
    seal: { kind: 'awskms', keyArn: KMS_KEY_ARN },
    replicas: 3,
    tierPolicy: TierPolicy.of({ tier: 'prod', highAvailability: true, nodeGroupPerZone: true }),
    resources: Resources.of({ cpu: '50m', memory: '128Mi' }, { cpu: '500m', memory: '512Mi' }),
    storageSize: Storage.gibibytes(10),
    labelDomain: LabelDomain.of('platform.example.com'),
    deployers: ['system:serviceaccount:argocd:argocd-application-controller'],
    backup: { bucket: 'acme-prod-openbao-snapshots', region: 'eu-west-1', retentionDays: 30, uploaderImage: IMAGES.awsCli },
    caCertificate: testCaCertificate(),
  };
}

/** One voter with the static seal, as a tier without high availability runs it. */
export function singleProps(): OpenBaoProps {
  return {
    ...haProps(),
    target: { clusterName: 'acme-dev', accountId: '123456789012' },
    seal: { kind: 'static' },
    replicas: 1,
    tierPolicy: TierPolicy.of({ tier: 'dev', highAvailability: false, nodeGroupPerZone: false }),
    resources: Resources.of({ cpu: '25m', memory: '96Mi' }, { cpu: '250m', memory: '256Mi' }),
    storageSize: Storage.gibibytes(2),
    backup: { bucket: 'acme-dev-openbao-snapshots', region: 'eu-west-1', retentionDays: 7, uploaderImage: IMAGES.awsCli },
  };
}

/** Stand-ins for cert-manager's CRDs: OpenBao's Issuer and Certificate need them to render. */
const certManagerCrds: Component = {
  id: 'cert-manager',
  workflow: Workflow.Ingress,
  namespace: 'cert-manager',
  dependsOn: [],
  source: manifests((scope) => {
    const chart = new PlatformChart(scope, 'cert-manager-crds');
    for (const kind of ['Issuer', 'Certificate']) {
      new ApiObject(chart, kind, {
        apiVersion: 'apiextensions.k8s.io/v1',
        kind: 'CustomResourceDefinition',
        metadata: { name: `${kind.toLowerCase()}s.cert-manager.io` },
        spec: { group: 'cert-manager.io', names: { kind, plural: `${kind.toLowerCase()}s` }, scope: 'Namespaced' },
      });
    }
    return chart;
  }),
};

/** The objects of an OpenBao component rendered on its own (the chart's, the TLS objects, the snapshot job, the guard). */
export function renderOpenBao(c: Component): Promise<K8sObject[]> {
  return renderComponent(c, { alongside: [prometheusOperatorCrdsComponent({ namespace: 'kube-system' }), certManagerCrds] });
}
