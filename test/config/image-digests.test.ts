/**
 * Services' images are pinned by digest at config time: Gatekeeper's require-image-digests rule
 * (charts/gatekeeper-constraints) denies application pods without one where constraints deny.
 */
import * as yaml from 'js-yaml';
import { ConfigError, parseConfig } from '../../config/load';
import { FIXTURE_CONFIG_TEXT } from '../support';

const DIGEST = `sha256:${'0123456789abcdef'.repeat(4)}`;

function withImage(image: string): string {
  const c = yaml.load(FIXTURE_CONFIG_TEXT) as any;
  c.services[2].image = image;
  return yaml.dump(c);
}

function problems(text: string): string[] {
  try {
    parseConfig(text);
  } catch (e) {
    if (e instanceof ConfigError) return [...e.problems];
    throw e;
  }
  return [];
}

describe('service images pinned by digest', () => {
  it('refuses a tagged image without a digest, naming the key path, the rule and the pinned form', () => {
    expect(problems(withImage('ghcr.io/acme/payments:3.1.4'))).toEqual([
      "services[2].image: image \"ghcr.io/acme/payments:3.1.4\": it has no digest, and Gatekeeper's require-image-digests rule admits only images pinned by digest in application namespaces; " +
        'pin it as ghcr.io/acme/payments:3.1.4@sha256:<digest> (`docker buildx imagetools inspect ghcr.io/acme/payments:3.1.4` prints the digest)',
    ]);
  });

  it('refuses a digest that is not sha256 and 64 lowercase hex digits', () => {
    expect(problems(withImage('ghcr.io/acme/payments:3.1.4@sha256:ABC'))[0]).toMatch(/^services\[2\]\.image: .*its digest is not sha256: and 64 lowercase hex digits/);
  });

  it('accepts tag and digest, and a digest alone, but never :latest even with a digest', () => {
    expect(problems(withImage(`ghcr.io/acme/payments:3.1.4@${DIGEST}`))).toEqual([]);
    expect(problems(withImage(`ghcr.io/acme/payments@${DIGEST}`))).toEqual([]);
    expect(problems(withImage(`ghcr.io/acme/payments:latest@${DIGEST}`))[0]).toMatch(/uses :latest: pin an exact version, e\.g\. ghcr\.io\/acme\/payments:1\.2\.3@sha256:<digest>/);
  });

  it("pins every image of the fixture's services by digest", () => {
    const cfg = parseConfig(FIXTURE_CONFIG_TEXT);
    expect(cfg.services.length).toBeGreaterThan(0);
    for (const s of cfg.services) expect(s.image).toMatch(/:[^/@]+@sha256:[0-9a-f]{64}$/);
  });
});
