/**
 * A CA certificate committed to the repository (OpenBao's internal CA, `openbaoCaCertificate`):
 * checked with node:crypto so that a pasted key, a truncated block or a leaf certificate is
 * rejected at synth instead of breaking every TLS client in the cluster.
 */
import { X509Certificate } from 'node:crypto';

export interface CaCertificate {
  /** The PEM block, normalised to end with one newline. */
  readonly pem: string;
  readonly subject: string;
  /** SHA-256 fingerprint, colon-separated hex (as `openssl x509 -fingerprint -sha256` prints it). */
  readonly fingerprint256: string;
  readonly validTo: Date;
}

const BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----/g;

/** Parses one PEM CA certificate; `problem` says what is wrong and how to fix it. */
export function parseCaCertificate(text: string, now: Date = new Date()): { ok: true; value: CaCertificate } | { ok: false; problem: string } {
  const kinds = [...text.matchAll(BLOCK)].map((m) => m[1]);
  if (kinds.some((k) => k.includes('PRIVATE KEY'))) {
    return { ok: false, problem: 'contains a private key: commit only the certificate (ca.crt); the key belongs in the password manager and the bootstrap Secret, never in git' };
  }
  if (kinds.length !== 1 || kinds[0] !== 'CERTIFICATE') {
    return { ok: false, problem: `expected exactly one PEM block "-----BEGIN CERTIFICATE-----" (found ${kinds.length === 0 ? 'none' : kinds.join(', ')}); paste the whole content of the CA's ca.crt` };
  }
  const pem = `${text.trim()}\n`;
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(pem);
  } catch (e) {
    return { ok: false, problem: `is not a valid PEM certificate (${(e as Error).message}); paste the whole content of the CA's ca.crt, from -----BEGIN CERTIFICATE----- to -----END CERTIFICATE-----` };
  }
  if (!cert.ca) {
    return { ok: false, problem: `the certificate "${cert.subject.replace(/\n/g, ', ')}" is not a CA (basicConstraints CA:TRUE); create the CA with the openssl commands of the bootstrap README` };
  }
  const validTo = new Date(cert.validTo);
  if (validTo.getTime() <= now.getTime()) {
    return { ok: false, problem: `the CA expired on ${validTo.toISOString()}; create a new CA (bootstrap README, "OpenBao internal CA") and commit its certificate` };
  }
  return { ok: true, value: { pem, subject: cert.subject.replace(/\n/g, ', '), fingerprint256: cert.fingerprint256, validTo } };
}
