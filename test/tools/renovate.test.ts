import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as yaml from 'js-yaml';
import { parseConfig } from '../../config/load';
import { CHARTS, EKS_VERSIONS, GIT_SOURCES, IMAGES, KUBERNETES_VERSION, previousMinor } from '../../config/versions';
import { PERMISSIONS_LOCK } from '../../lib/checks';
import { synth } from '../../main';
import { MATCH, RENOVATE_FILE, imageRepository, renovateJson, writeRenovateJson } from '../../lib/renovate';
import { FIXTURE_CONFIG_TEXT, FIXTURES, fixtureConfig, ROOT } from '../support';

// The repository's committed renovate.json is compared with its own platform.yaml in
// test/workflows/invariants.test.ts; these tests check the generator on the fixture.
jest.setTimeout(120_000);

const versions = fs.readFileSync(path.join(ROOT, 'config', 'versions.ts'), 'utf8');
const all = (re: string, text: string) => [...text.matchAll(new RegExp(re, 'g'))].map((m) => m.groups!);

interface Generated {
  $schema: string;
  customManagers: { customType: string; managerFilePatterns: string[]; matchStrings: string[]; datasourceTemplate: string }[];
  packageRules: { matchDepNames?: string[]; groupName: string }[];
}
const generated = (text = FIXTURE_CONFIG_TEXT): Generated => JSON.parse(renovateJson(parseConfig(text)));

const made: string[] = [];
function tmp(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'renovate-'));
  made.push(dir);
  return dir;
}
afterAll(() => {
  for (const dir of made) fs.rmSync(dir, { recursive: true, force: true });
});

describe('renovate.json', () => {
  it('finds every chart pin of the versions table, HTTP charts with the helm datasource and OCI ones with docker', () => {
    const http = all(MATCH.helmChart, versions).map((g) => `${g.registryUrl} ${g.depName} ${g.currentValue}`);
    const oci = all(MATCH.ociChart, versions).map((g) => `${g.ociRepository} ${g.depName} ${g.currentValue}`);
    const pins = Object.values(CHARTS) as { repoURL: string; chart: string; version: string; oci?: boolean }[];
    expect(http.sort()).toEqual(pins.filter((p) => !p.oci).map((p) => `${p.repoURL} ${p.chart} ${p.version}`).sort());
    expect(oci.sort()).toEqual(pins.filter((p) => p.oci).map((p) => `${p.repoURL} ${p.chart} ${p.version}`).sort());
  });

  it('finds every image of the versions table and of a platform.yaml, and every pinned git source', () => {
    const block = new RegExp(MATCH.imagesBlock).exec(versions)![0];
    expect(all(MATCH.imageEntry, block).map((g) => `${g.depName}:${g.currentValue}`).sort()).toEqual(Object.values(IMAGES).sort());
    expect(all(MATCH.serviceImage, FIXTURE_CONFIG_TEXT).map((g) => `${g.depName}${g.currentValue ? `:${g.currentValue}` : ''}@${g.currentDigest}`).sort()).toEqual(fixtureConfig().services.map((s) => s.image).sort());
    expect(all(MATCH.gitSource, versions).map((g) => g.currentDigest).sort()).toEqual(Object.values(GIT_SOURCES).map((g) => g.revision).sort());
  });

  it('finds the newest EKS minor with the endoflife-date datasource and groups its bump on its own, the clusters following one behind', () => {
    const found = all(MATCH.eksVersion, versions);
    expect(found).toEqual([{ depName: EKS_VERSIONS.product, currentValue: EKS_VERSIONS.newest }]);
    const config = JSON.parse(renovateJson(parseConfig(FIXTURE_CONFIG_TEXT))) as { customManagers: any[]; packageRules: any[] };
    const manager = config.customManagers.find((m) => m.matchStrings.includes(MATCH.eksVersion));
    expect(manager).toMatchObject({ datasourceTemplate: 'endoflife-date', versioningTemplate: 'loose' });
    expect(config.packageRules.filter((r) => r.matchDepNames?.includes(EKS_VERSIONS.product)).map((r) => r.groupName)).toEqual(['kubernetes minor (EKS n-1)']);
    expect(previousMinor(EKS_VERSIONS.newest)).toBe(KUBERNETES_VERSION);
    expect(fixtureConfig().kubernetesVersion).toBeUndefined();
  });

  it('is valid: the Renovate schema, regex managers over files of the repository whose patterns compile and capture what their datasource needs', () => {
    const config = generated();
    expect(config.$schema).toBe('https://docs.renovatebot.com/renovate-schema.json');
    expect(config.customManagers.length).toBeGreaterThan(0);
    for (const m of config.customManagers) {
      expect(m.customType).toBe('regex');
      for (const pattern of m.managerFilePatterns) {
        const file = /^\/\^(.*)\$\/$/.exec(pattern)![1].replace(/\\\./g, '.');
        expect([file, fs.existsSync(path.join(ROOT, file))]).toEqual([file, true]);
      }
      // The last pattern (of a recursive chain) captures the dependency and its current version or digest.
      for (const s of m.matchStrings) expect(() => new RegExp(s)).not.toThrow();
      const last = m.matchStrings[m.matchStrings.length - 1];
      expect(last).toContain('(?<depName>');
      expect(last).toMatch(/\(\?<current(Value|Digest)>/);
    }
  });

  it('groups every chart and image the platform uses into exactly one workflow group, the services\' images into the microservices group', () => {
    const groups = generated().packageRules.filter((r) => r.matchDepNames);
    const names = groups.flatMap((r) => r.matchDepNames!);
    expect(new Set(names).size).toBe(names.length);
    expect(groups.find((r) => r.matchDepNames!.includes(CHARTS.cilium.chart))?.groupName).toBe('workflow 1 foundation');
    const services = groups.find((r) => r.groupName === 'workflow microservices')!;
    expect(services.matchDepNames!.sort()).toEqual(fixtureConfig().services.map((s) => imageRepository(s.image)).sort());
  });

  it('follows the config: a service added to platform.yaml has its image in the microservices group', () => {
    const data = yaml.load(FIXTURE_CONFIG_TEXT) as { services: object[] };
    const image = `${fixtureConfig().policy.allowedRegistries[0]}invoices:1.0.0@sha256:${'ab'.repeat(32)}`;
    data.services.push({ name: 'invoices', image, port: 8080 });
    const services = generated(yaml.dump(data)).packageRules.find((r) => r.groupName === 'workflow microservices')!;
    expect(services.matchDepNames).toContain(imageRepository(image));
    expect(generated().packageRules.flatMap((r) => r.matchDepNames ?? [])).not.toContain(imageRepository(image));
  });

  it('reads each service image of the config with its repository, tag and digest, so Renovate moves tag and digest together', () => {
    const pattern = new RegExp(MATCH.serviceImage);
    for (const s of fixtureConfig().services) {
      const m = pattern.exec(`image: ${s.image}`);
      expect(m?.groups?.depName).toBe(imageRepository(s.image));
      expect(m?.groups?.currentDigest).toBe(s.image.split('@')[1]);
    }
    const digestOnly = `ghcr.io/example/orders@sha256:${'cd'.repeat(32)}`;
    expect(imageRepository(digestOnly)).toBe('ghcr.io/example/orders');
    expect(pattern.exec(`image: ${digestOnly}`)?.groups).toMatchObject({ depName: 'ghcr.io/example/orders', currentValue: undefined });
    expect(imageRepository('registry.example.com/team/app:2.0')).toBe('registry.example.com/team/app');
  });

  it('is written atomically and only when it changes', () => {
    const file = path.join(tmp(), RENOVATE_FILE);
    expect(writeRenovateJson(file, '{}\n')).toBe(true);
    const written = fs.statSync(file).mtimeMs;
    expect(writeRenovateJson(file, '{}\n')).toBe(false);
    expect(fs.statSync(file).mtimeMs).toBe(written);
    expect(writeRenovateJson(file, '{"a": 1}\n')).toBe(true);
    expect(fs.readFileSync(file, 'utf8')).toBe('{"a": 1}\n');
    expect(fs.readdirSync(path.dirname(file))).toEqual([RENOVATE_FILE]);
  });

  it('is rewritten by a synth of every environment beside the config it read, and left alone by a synth of one', async () => {
    const dir = tmp();
    const config = path.join(dir, 'platform.yaml');
    const renovate = path.join(dir, RENOVATE_FILE);
    const data = yaml.load(FIXTURE_CONFIG_TEXT) as { services: { name: string; image: string }[] };
    fs.writeFileSync(config, yaml.dump(data));
    fs.copyFileSync(path.join(FIXTURES, PERMISSIONS_LOCK), path.join(dir, PERMISSIONS_LOCK));
    fs.writeFileSync(renovate, 'stale\n');

    await synth({ config, out: path.join(dir, 'one'), env: 'dev' });
    expect(fs.readFileSync(renovate, 'utf8')).toBe('stale\n');

    await synth({ config, out: path.join(dir, 'all') });
    expect(fs.readFileSync(renovate, 'utf8')).toBe(renovateJson(parseConfig(fs.readFileSync(config, 'utf8'))));
    expect(fs.readFileSync(renovate, 'utf8')).toContain(imageRepository(data.services[0].image));
  });
});
