/**
 * cert-manager-config: the Let's Encrypt ClusterIssuers (staging and production, ACME DNS01 through
 * Cloudflare with an API token) and the environment's wildcard Certificate (the efficiency guide's
 * "wildcard_certificates": one certificate, one renewal and one DNS01 challenge for every host).
 *
 * The Certificate lives in the ingress namespace, because Emissary's Host reads its TLS Secret
 * from its own namespace. The ClusterIssuers read the Cloudflare token from cert-manager's
 * cluster-resource namespace (its own namespace by default), so the token Secret is declared there.
 */
import { Construct } from 'constructs';
import type { PlatformComponentId } from '../../config/ids';
import { PlatformComponent, manifests, SecretRequirement, Workflow } from '../../lib/component';
import { Duration } from '../../lib/duration';
import { standardLabels } from '../../lib/labels';
import { PlatformChart } from '../../lib/platform-chart';
import { Certificate, CertificateSpecPrivateKeyAlgorithm, CertificateSpecPrivateKeyRotationPolicy, ClusterIssuer } from '../../imports/cert-manager.io';

export const ID = 'cert-manager-config' satisfies PlatformComponentId;

/** A Let's Encrypt ACME endpoint, as a ClusterIssuer of the same name. */
export class AcmeIssuer {
  /** Untrusted certificates, generous rate limits: for environments nobody outside the team browses. */
  static readonly STAGING = new AcmeIssuer('letsencrypt-staging', 'https://acme-staging-v02.api.letsencrypt.org/directory');
  /** Browser-trusted certificates, strict rate limits (5 duplicate certificates per week). */
  static readonly PRODUCTION = new AcmeIssuer('letsencrypt-production', 'https://acme-v02.api.letsencrypt.org/directory');
  static readonly ALL: readonly AcmeIssuer[] = [AcmeIssuer.STAGING, AcmeIssuer.PRODUCTION];
  private constructor(
    readonly name: string,
    readonly server: string,
  ) {}
}

/** A key of a Secret the component consumes, with the requirement that delivers it. */
export interface SecretKeyRequirement {
  readonly secret: SecretRequirement;
  readonly key: string;
}

export interface CertManagerConfigProps {
  /** cert-manager's namespace: its cluster-resource namespace, where ClusterIssuers read Secrets. */
  readonly namespace: string;
  /** Let's Encrypt account contact. */
  readonly acmeEmail: string;
  /** The Cloudflare API token (Zone:Read, DNS:Edit) the DNS01 solver uses. */
  readonly apiToken: SecretKeyRequirement;
  /** The Cloudflare zone the solver answers challenges in. */
  readonly dnsZone: string;
  /** The environment's domain: the certificate covers `*.<domain>` and `<domain>`. */
  readonly domain: string;
  /** Namespace of the wildcard Certificate and its Secret (the consumer's, Emissary's). */
  readonly certificateNamespace: string;
  /** Which ClusterIssuer signs the wildcard certificate. */
  readonly issuer: AcmeIssuer;
  /** @default DEFAULTS.certificateName */
  readonly certificateName?: string;
  /** @default DEFAULTS.secretName */
  readonly secretName?: string;
}

export const DEFAULTS = {
  certificateName: 'wildcard',
  secretName: 'wildcard-tls',
  /** Let's Encrypt issues 90-day certificates; renew a third of the way before expiry (its advice). */
  duration: Duration.hours(2160),
  renewBefore: Duration.hours(720),
} as const;

const DNS_NAME = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;

export class CertManagerConfigChart extends PlatformChart {
  readonly certificateName: string;
  readonly secretName: string;

  constructor(scope: Construct, id: string, props: CertManagerConfigProps) {
    super(scope, id);
    validate(props);
    this.certificateName = props.certificateName ?? DEFAULTS.certificateName;
    this.secretName = props.secretName ?? DEFAULTS.secretName;
    const labels = (name: string, component: string) => standardLabels({ name, instance: id, component });

    for (const issuer of AcmeIssuer.ALL) {
      new ClusterIssuer(this, `clusterissuer-${issuer.name}`, {
        metadata: { name: issuer.name, labels: labels(issuer.name, 'cluster-issuer') },
        spec: {
          acme: {
            server: issuer.server,
            email: props.acmeEmail,
            // The ACME account key cert-manager generates and keeps; not a credential we hold.
            privateKeySecretRef: { name: `${issuer.name}-account-key` },
            solvers: [
              {
                selector: { dnsZones: [props.dnsZone] },
                dns01: { cloudflare: { apiTokenSecretRef: { name: props.apiToken.secret.name, key: props.apiToken.key } } },
              },
            ],
          },
        },
      });
    }

    new Certificate(this, 'certificate-wildcard', {
      metadata: { name: this.certificateName, namespace: props.certificateNamespace, labels: labels(this.certificateName, 'certificate') },
      spec: {
        secretName: this.secretName,
        dnsNames: [`*.${props.domain}`, props.domain],
        issuerRef: { name: props.issuer.name, kind: 'ClusterIssuer', group: 'cert-manager.io' },
        duration: DEFAULTS.duration.toString(),
        renewBefore: DEFAULTS.renewBefore.toString(),
        privateKey: { algorithm: CertificateSpecPrivateKeyAlgorithm.ECDSA, size: 256, rotationPolicy: CertificateSpecPrivateKeyRotationPolicy.ALWAYS },
        secretTemplate: { labels: labels(this.secretName, 'certificate') },
      },
    });
  }
}

function validate(props: CertManagerConfigProps): void {
  const { secret, key } = props.apiToken;
  if (secret.namespace !== props.namespace) {
    throw new Error(
      `cert-manager-config: the Cloudflare token Secret ${secret.namespace}/${secret.name} must be in cert-manager's namespace "${props.namespace}" (ClusterIssuers only read Secrets from the cluster-resource namespace)`,
    );
  }
  if (!(key in secret.data)) {
    throw new Error(`cert-manager-config: apiToken.key "${key}" is not a data key of Secret ${secret.name} (has: ${Object.keys(secret.data).join(', ')})`);
  }
  for (const [field, value] of [['domain', props.domain], ['dnsZone', props.dnsZone]] as const) {
    if (!DNS_NAME.test(value)) throw new Error(`cert-manager-config: ${field} "${value}" is not a DNS name such as dev.example.com`);
  }
  if (props.domain !== props.dnsZone && !props.domain.endsWith(`.${props.dnsZone}`)) {
    throw new Error(`cert-manager-config: domain "${props.domain}" is not inside the Cloudflare zone "${props.dnsZone}"; DNS01 could not answer its challenges`);
  }
}

export function certManagerConfigComponent(props: CertManagerConfigProps): PlatformComponent {
  validate(props);
  return {
    id: ID,
    workflow: Workflow.Ingress,
    namespace: props.namespace,
    dependsOn: ['cert-manager'],
    source: manifests((scope) => new CertManagerConfigChart(scope, ID, props)),
    secrets: [props.apiToken.secret],
  };
}
