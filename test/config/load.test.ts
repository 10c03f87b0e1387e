import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { resolveEnvironment } from '../../config/defaults';
import { configWarnings, loadConfigFile, parseConfig } from '../../config/load';
import { parseKmsKeyArn } from '../../config/schema';
import { main } from '../../main';
import { configProblems as problems, configVariant as variant, FIXTURE_CONFIG_TEXT } from '../support';

describe('platform.yaml validation', () => {
  it('accepts the shipped example with five services and three environments', () => {
    const cfg = parseConfig(FIXTURE_CONFIG_TEXT);
    expect(cfg.name).toBe('acme');
    expect(cfg.services).toHaveLength(5);
    expect(Object.keys(cfg.environments).sort()).toEqual(['dev', 'prod', 'staging']);
  });

  it('names a missing file and how to pass one', () => {
    expect(() => loadConfigFile('/nonexistent/platform.yaml')).toThrow(/file not found; pass an existing platform.yaml with --config FILE/);
  });

  it('rejects a directory given as the config file', () => {
    expect(() => loadConfigFile(os.tmpdir())).toThrow(/is a directory/);
  });

  it('rejects an unreadable file', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cfg-'));
    const file = path.join(dir, 'platform.yaml');
    fs.writeFileSync(file, FIXTURE_CONFIG_TEXT);
    fs.chmodSync(file, 0o000);
    const readable = (() => {
      try {
        fs.readFileSync(file);
        return true;
      } catch {
        return false;
      }
    })();
    // root can read anything: the check only means something for other users.
    if (!readable) expect(() => loadConfigFile(file)).toThrow(/cannot read it/);
    else expect(readable).toBe(true);
  });

  it('rejects an empty file', () => {
    expect(problems('')).toEqual([expect.stringMatching(/the file is empty/)]);
    expect(problems('# only a comment\n')).toEqual([expect.stringMatching(/no content/)]);
  });

  it('reports a YAML syntax error with its line', () => {
    expect(problems('name: acme\naws:\n  region: [eu-west-1\n')[0]).toMatch(/YAML syntax error at line \d+, column \d+/);
  });

  it('reports an unknown key with a did-you-mean', () => {
    const text = variant((c) => {
      c.environments.prod.nodeGroup = {};
    });
    expect(problems(text)).toContain('environments.prod.nodeGroup: unknown key "nodeGroup" (did you mean "nodeGroups"?); remove it or fix the spelling');
  });

  it('reports a wrong type with the key path, the expectation and what it got', () => {
    const text = variant((c) => {
      c.services[0].port = 'http';
    });
    expect(problems(text)).toContain('services[0].port: expected an integer 1-65535, got "http"');
  });

  it('reports numbers out of range', () => {
    const text = variant((c) => {
      c.services[1].port = 70000;
    });
    expect(problems(text)).toContain('services[1].port: expected an integer 1-65535, got number 70000');
  });

  it('reports a missing required key', () => {
    const text = variant((c) => {
      delete c.aws.accountId;
    });
    expect(problems(text)[0]).toMatch(/^aws\.accountId: expected a 12-digit AWS account id.*; this key is required$/);
  });

  it('requires the account id as a 12-digit string', () => {
    const text = variant((c) => {
      c.aws.accountId = 123456789012;
    });
    expect(problems(text)[0]).toMatch(/^aws\.accountId: expected a 12-digit AWS account id in quotes/);
  });

  it('rejects names that are not DNS-1123 labels', () => {
    const text = variant((c) => {
      c.services[0].name = 'Orders_API';
    });
    expect(problems(text)[0]).toMatch(/^services\[0\]\.name: expected a DNS-1123 label/);
  });

  it('rejects images without a tag and images at :latest', () => {
    const untagged = variant((c) => {
      c.services[0].image = 'ghcr.io/acme/gateway-api';
    });
    expect(problems(untagged)[0]).toMatch(/^services\[0\]\.image: image "ghcr.io\/acme\/gateway-api" has no tag: pin an exact version/);
    const latest = variant((c) => {
      c.services[0].image = 'ghcr.io/acme/gateway-api:latest';
    });
    expect(problems(latest)[0]).toMatch(/uses :latest: pin an exact version, e\.g\. ghcr\.io\/acme\/gateway-api:1\.2\.3/);
  });

  it('accepts a registry with a port and a digest-pinned image', () => {
    const text = variant((c) => {
      c.services[0].image = 'registry.example.com:5000/team/api@sha256:' + 'a'.repeat(64);
      c.policy.allowedRegistries.push('registry.example.com:5000/');
    });
    expect(() => parseConfig(text)).not.toThrow();
  });

  it('rejects duplicate service names', () => {
    const text = variant((c) => {
      c.services[2].name = 'orders';
    });
    expect(problems(text)).toContain('services[2].name: duplicate service name "orders" (also services[1]); service names must be unique');
  });

  it('rejects a service named like a platform component', () => {
    const text = variant((c) => {
      c.services[0].name = 'grafana';
    });
    expect(problems(text)).toContain('services[0].name: "grafana" is the name of a platform component; rename the service');
  });

  it('rejects a config without environments', () => {
    const text = variant((c) => {
      c.environments = {};
    });
    expect(problems(text)).toContain('environments: define at least one environment, e.g. environments: { dev: {} }');
  });

  it('needs a tier for an environment not named after one', () => {
    const text = variant((c) => {
      c.environments.qa = {};
    });
    expect(problems(text)[0]).toMatch(/^environments\.qa\.tier: required because "qa" is not one of dev, staging, prod/);
  });

  it('needs a KMS key for OpenBao outside dev', () => {
    const text = variant((c) => {
      delete c.environments.prod.openbaoKmsKeyArn;
    });
    expect(problems(text)[0]).toMatch(/^environments\.prod\.openbaoKmsKeyArn: required for the prod tier/);
  });

  describe('OpenBao KMS key ARNs', () => {
    const withKey = (arn: string) =>
      variant((c) => {
        c.environments.prod.openbaoKmsKeyArn = arn;
      });

    it('accepts the shipped keys: a key UUID and a multi-Region (mrk-) key id, in aws.region and aws.accountId', () => {
      const cfg = parseConfig(FIXTURE_CONFIG_TEXT);
      for (const env of ['staging', 'prod']) {
        const parsed = parseKmsKeyArn(cfg.environments[env].openbaoKmsKeyArn!);
        expect(parsed).toMatchObject({ ok: true, value: { region: cfg.aws.region, accountId: cfg.aws.accountId } });
      }
      expect(parseKmsKeyArn(cfg.environments.staging.openbaoKmsKeyArn!)).toMatchObject({ value: { keyId: expect.stringMatching(/^[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}$/) } });
      expect(parseKmsKeyArn(cfg.environments.prod.openbaoKmsKeyArn!)).toMatchObject({ value: { keyId: expect.stringMatching(/^mrk-[0-9a-f]{32}$/) } });
    });

    it('rejects a malformed key id, naming the key path and where to copy the ARN from', () => {
      expect(problems(withKey('arn:aws:kms:eu-west-1:123456789012:key/6f2d9a71-prod-openbao'))).toEqual([
        'environments.prod.openbaoKmsKeyArn: key id "6f2d9a71-prod-openbao" is neither a key UUID (e.g. 1234abcd-12ab-34cd-56ef-1234567890ab) nor a multi-Region key id (mrk- and 32 lowercase hex digits); ' +
          'copy the key\'s ARN from aws kms describe-key --key-id <key id or alias> --query KeyMetadata.Arn --output text',
      ]);
      expect(problems(withKey('arn:aws:kms:eu-west-1:123456789012:key/mrk-1234'))[0]).toMatch(/^environments\.prod\.openbaoKmsKeyArn: key id "mrk-1234" is neither/);
    });

    it('rejects a key in another region than aws.region, with the fix', () => {
      expect(problems(withKey('arn:aws:kms:us-east-1:123456789012:key/mrk-6f2d9a71c4e84b0f9a3d5e7c1b2f8a64'))).toEqual([
        'environments.prod.openbaoKmsKeyArn: the key is in us-east-1 but the cluster runs in aws.region eu-west-1; use a key in eu-west-1 ' +
          "(this multi-Region key's replica there: arn:aws:kms:eu-west-1:123456789012:key/mrk-6f2d9a71c4e84b0f9a3d5e7c1b2f8a64, after aws kms replicate-key)",
      ]);
    });

    it('rejects a key of another account than aws.accountId, with the fix', () => {
      expect(problems(withKey('arn:aws:kms:eu-west-1:210987654321:key/1234abcd-12ab-34cd-56ef-1234567890ab'))).toEqual([
        "environments.prod.openbaoKmsKeyArn: the key belongs to account 210987654321 but aws.accountId is 123456789012; create the key in 123456789012, where eksctl creates OpenBao's IRSA role",
      ]);
    });

    it('rejects an alias ARN and anything that is not a KMS key ARN', () => {
      expect(problems(withKey('arn:aws:kms:eu-west-1:123456789012:alias/openbao'))[0]).toMatch(
        /^environments\.prod\.openbaoKmsKeyArn: "arn:aws:kms:eu-west-1:123456789012:alias\/openbao" is an alias ARN; an alias ARN cannot be granted in the IRSA policy, use the key's own ARN/,
      );
      expect(problems(withKey('arn:aws:s3:::bucket'))[0]).toMatch(/^environments\.prod\.openbaoKmsKeyArn: "arn:aws:s3:::bucket" is not a KMS key ARN; expected arn:aws:kms:<region>:<12-digit account>:key\/<key id>/);
    });
  });

  describe('services[].registryCredentials', () => {
    it('is optional, and takes an OpenBao path with the property defaulting to dockerconfigjson', () => {
      expect(parseConfig(FIXTURE_CONFIG_TEXT).services.every((s) => s.registryCredentials === undefined)).toBe(true);
      const cfg = parseConfig(
        variant((c) => {
          c.services[0].registryCredentials = { openbaoPath: 'registry/ghcr' };
        }),
      );
      expect(cfg.services[0].registryCredentials).toEqual({ openbaoPath: 'registry/ghcr', property: 'dockerconfigjson' });
    });

    it('rejects a path with a leading slash or upper case, and unknown keys, naming the key path', () => {
      const withCredentials = (credentials: object) =>
        variant((c) => {
          c.services[0].registryCredentials = credentials;
        });
      expect(problems(withCredentials({ openbaoPath: '/secret/registry' }))).toEqual([
        'services[0].registryCredentials.openbaoPath: expected an OpenBao KV path below the secret/ mount such as registry/ghcr: lowercase segments separated by "/", no leading slash, no mount name, got "/secret/registry"',
      ]);
      expect(problems(withCredentials({ openbaoPath: 'Registry/GHCR' }))[0]).toMatch(/^services\[0\]\.registryCredentials\.openbaoPath: expected an OpenBao KV path/);
      expect(problems(withCredentials({ openbaoPath: 'registry/ghcr', username: 'x' })).join('\n')).toMatch(/services\[0\]\.registryCredentials.*username/);
    });
  });

  it('rejects calls to unknown services', () => {
    const text = variant((c) => {
      c.services[0].calls = ['nope'];
    });
    expect(problems(text)).toContain('services[0].calls[0]: unknown service "nope"; calls must name services defined in services[]');
  });

  it('rejects a node group whose minimum is above its maximum', () => {
    const text = variant((c) => {
      c.environments.dev.nodeGroups = { spot: { minSize: 5, maxSize: 2 } };
    });
    expect(problems(text)).toContain('environments.dev.nodeGroups.spot.minSize: minSize 5 is above maxSize 2');
  });

  it('collects several problems in one report', () => {
    const text = variant((c) => {
      c.services[0].port = 0;
      c.dns.domain = 'Not A Domain';
    });
    expect(problems(text).length).toBeGreaterThanOrEqual(2);
  });
});

describe('the platform identity: labelDomain and aws.tags', () => {
  it('defaults the label domain to platform.<dns.domain> and takes the configured one', () => {
    const cfg = parseConfig(FIXTURE_CONFIG_TEXT);
    expect(resolveEnvironment(cfg, 'prod').labelDomain.workflow).toBe(`platform.${cfg.dns.domain}/workflow`);
    const own = parseConfig(
      variant((c) => {
        c.labelDomain = 'k8s.corp.example.org';
      }),
    );
    expect(resolveEnvironment(own, 'prod').labelDomain.source).toBe('k8s.corp.example.org/source');
  });

  it('rejects a label domain that cannot prefix a label key, or that Kubernetes reserves', () => {
    const withDomain = (domain: string) =>
      variant((c) => {
        c.labelDomain = domain;
      });
    expect(problems(withDomain('Platform_Team'))).toEqual([
      'labelDomain: "Platform_Team" is not a DNS subdomain; label and annotation keys take a prefix of lowercase letters, digits, "-" and ".", at most 253 characters, e.g. platform.example.com',
    ]);
    expect(problems(withDomain('platform.kubernetes.io'))).toEqual([
      'labelDomain: "platform.kubernetes.io" is under kubernetes.io, which Kubernetes reserves for its own components; use a domain you own, e.g. platform.example.com',
    ]);
  });

  it('tags AWS resources with the platform and the environment under the label domain, plus aws.tags', () => {
    const cfg = parseConfig(
      variant((c) => {
        c.aws.tags = { 'cost-center': '4711' };
      }),
    );
    const domain = `platform.${cfg.dns.domain}`;
    expect(resolveEnvironment(cfg, 'staging').awsTags).toEqual({ 'cost-center': '4711', [`${domain}/environment`]: 'staging', [`${domain}/platform`]: cfg.name });
  });

  it('rejects a tag the platform sets itself, a reserved or malformed key, an unquoted number and too many tags', () => {
    const domain = `platform.${parseConfig(FIXTURE_CONFIG_TEXT).dns.domain}`;
    const withTags = (tags: object) =>
      variant((c) => {
        c.aws.tags = tags;
      });
    expect(problems(withTags({ [`${domain}/environment`]: 'x' }))).toEqual([
      `aws.tags.${domain}/environment: the platform sets this tag itself (to the environment's name); remove it`,
    ]);
    expect(problems(withTags({ 'aws:owner': 'x' }))).toEqual(['aws.tags.aws:owner: key "aws:owner": the aws: prefix is reserved for AWS; choose another key']);
    expect(problems(withTags({ 'owner#1': 'x' }))[0]).toMatch(/^aws\.tags\.owner#1: key "owner#1": expected an AWS tag key/);
    expect(problems(withTags({ 'cost-center': 4711 }))).toEqual(['aws.tags.cost-center: expected a string (quote numbers and booleans), got number 4711']);
    expect(problems(withTags(Object.fromEntries(Array.from({ length: 49 }, (_, i) => [`tag-${i}`, 'x']))))).toEqual([
      'aws.tags: 49 tags, but AWS allows 50 on a resource and the platform sets 2; keep at most 48',
    ]);
  });
});

describe('mistakes caught at config time', () => {
  const shipped = parseConfig(FIXTURE_CONFIG_TEXT);
  const allowed = shipped.policy.allowedRegistries.join(', ');

  it('refuses a service image outside policy.allowedRegistries where Gatekeeper denies, naming the environments and the fix', () => {
    const text = variant((c) => {
      c.services[1].image = 'docker.io/library/nginx:1.27.0@sha256:54c2e149e88993ba22830886b9e5d8499b574e1e7bc3d413a5b7211ef751dc41';
    });
    expect(problems(text)).toEqual([
      `services[1].image: image "docker.io/library/nginx:1.27.0@sha256:54c2e149e88993ba22830886b9e5d8499b574e1e7bc3d413a5b7211ef751dc41" is not from policy.allowedRegistries (${allowed}), so Gatekeeper denies its pods in prod, staging ` +
        '(policyEnforcement: deny); push the image to an allowed registry, or add "docker.io/library/" to policy.allowedRegistries',
    ]);
  });

  it('decides where Gatekeeper denies from each environment\'s policyEnforcement, its tier\'s default otherwise', () => {
    const onlyDev = (policyEnforcement?: 'warn' | 'deny') =>
      variant((c) => {
        const openbaoCaCertificate = c.environments.dev.openbaoCaCertificate;
        c.environments = { dev: policyEnforcement ? { policyEnforcement, openbaoCaCertificate } : { openbaoCaCertificate } };
        c.services[1].image = 'docker.io/library/nginx:1.27.0@sha256:54c2e149e88993ba22830886b9e5d8499b574e1e7bc3d413a5b7211ef751dc41';
      });
    expect(problems(onlyDev('deny'))[0]).toMatch(/^services\[1\]\.image: .* Gatekeeper denies its pods in dev \(policyEnforcement: deny\)/);
    // Dev warns by default: the config is valid, and the image is a warning.
    const cfg = parseConfig(onlyDev());
    expect(configWarnings(cfg)).toEqual([
      `services[1].image: image "docker.io/library/nginx:1.27.0@sha256:54c2e149e88993ba22830886b9e5d8499b574e1e7bc3d413a5b7211ef751dc41" is not from policy.allowedRegistries (${allowed}); ` +
        'Gatekeeper warns about its pods in dev and would deny them where policyEnforcement is deny; add "docker.io/library/" to policy.allowedRegistries',
    ]);
    const prodWarnsOnly = variant((c) => {
      c.environments.prod.policyEnforcement = 'warn';
      c.environments.staging.policyEnforcement = 'warn';
      c.services[1].image = 'docker.io/library/nginx:1.27.0@sha256:54c2e149e88993ba22830886b9e5d8499b574e1e7bc3d413a5b7211ef751dc41';
    });
    expect(() => parseConfig(prodWarnsOnly)).not.toThrow();
  });

  it('refuses a CIDR with host bits set, naming the network address', () => {
    const text = variant((c) => {
      c.operatorCidrs = ['203.0.113.5/24', '198.51.100.7/32', '0.0.0.0/0'];
      c.environments.prod.publicAccessCidrs = ['10.20.30.40/16'];
    });
    expect(problems(text)).toEqual([
      'operatorCidrs[0]: "203.0.113.5/24" has host bits set; write the network address, 203.0.113.0/24',
      'environments.prod.publicAccessCidrs[0]: "10.20.30.40/16" has host bits set; write the network address, 10.20.0.0/16',
    ]);
  });

  it('suggests the service a misspelt calls entry meant', () => {
    const text = variant((c) => {
      c.services[0].calls = ['ordrs'];
    });
    expect(problems(text)).toEqual(['services[0].calls[0]: unknown service "ordrs" (did you mean "orders"?); calls must name services defined in services[]']);
  });

  it('warns, and does not fail, when a Kafka topic is consumed but produced by no service', () => {
    const i = shipped.services.findIndex((s) => (s.kafka?.consumes.length ?? 0) > 0);
    const cfg = parseConfig(
      variant((c) => {
        c.services[i].kafka.consumes = ['inventory.reserved'];
      }),
    );
    expect(configWarnings(cfg)).toEqual([
      `services[${i}].kafka.consumes[0]: ${shipped.services[i].name} consumes topic "inventory.reserved", which no service produces; add it to the producing service's kafka.produces, or remove it`,
    ]);
  });

  it('has nothing to warn about in the shipped config', () => {
    expect(configWarnings(shipped)).toEqual([]);
  });

  it('makes synth exit 1 and write nothing when the config is refused', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cfg-'));
    const file = path.join(dir, 'platform.yaml');
    fs.writeFileSync(
      file,
      variant((c) => {
        c.operatorCidrs = ['203.0.113.5/24'];
      }),
    );
    const errors: string[] = [];
    const spy = jest.spyOn(console, 'error').mockImplementation((...args: unknown[]) => void errors.push(args.join(' ')));
    try {
      expect(await main(['--config', file, '--out', path.join(dir, 'dist')])).toBe(1);
    } finally {
      spy.mockRestore();
    }
    expect(errors.join('\n')).toContain('operatorCidrs[0]: "203.0.113.5/24" has host bits set; write the network address, 203.0.113.0/24');
    expect(fs.readdirSync(dir)).toEqual(['platform.yaml']);
  });
});
