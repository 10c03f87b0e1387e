import * as fs from 'node:fs';
import * as path from 'node:path';
import { CHARTS, GIT_SOURCES, IMAGES } from '../../config/versions';
import { MATCH, renovateJson } from '../../tools/renovate';
import { ROOT, shippedConfig } from '../support';

const versions = fs.readFileSync(path.join(ROOT, 'config', 'versions.ts'), 'utf8');
const all = (re: string, text: string) => [...text.matchAll(new RegExp(re, 'g'))].map((m) => m.groups!);

describe('renovate.json', () => {
  it('is the one generated from the component model (regenerate: node scripts/build.mjs && node build/tools/renovate.js --write)', () => {
    expect(fs.readFileSync(path.join(ROOT, 'renovate.json'), 'utf8')).toBe(renovateJson(path.join(ROOT, 'platform.yaml')));
  });

  it('finds every chart pin of the versions table, HTTP charts with the helm datasource and OCI ones with docker', () => {
    const http = all(MATCH.helmChart, versions).map((g) => `${g.registryUrl} ${g.depName} ${g.currentValue}`);
    const oci = all(MATCH.ociChart, versions).map((g) => `${g.ociRepository} ${g.depName} ${g.currentValue}`);
    const pins = Object.values(CHARTS) as { repoURL: string; chart: string; version: string; oci?: boolean }[];
    expect(http.sort()).toEqual(pins.filter((p) => !p.oci).map((p) => `${p.repoURL} ${p.chart} ${p.version}`).sort());
    expect(oci.sort()).toEqual(pins.filter((p) => p.oci).map((p) => `${p.repoURL} ${p.chart} ${p.version}`).sort());
  });

  it('finds every image of the versions table and of platform.yaml, and every pinned git source', () => {
    const block = new RegExp(MATCH.imagesBlock).exec(versions)![0];
    expect(all(MATCH.imageEntry, block).map((g) => `${g.depName}:${g.currentValue}`).sort()).toEqual(Object.values(IMAGES).sort());
    const platform = fs.readFileSync(path.join(ROOT, 'platform.yaml'), 'utf8');
    expect(all(MATCH.serviceImage, platform).map((g) => `${g.depName}:${g.currentValue}`).sort()).toEqual(shippedConfig().services.map((s) => s.image).sort());
    expect(all(MATCH.gitSource, versions).map((g) => g.currentDigest).sort()).toEqual(Object.values(GIT_SOURCES).map((g) => g.revision).sort());
  });

  it('groups every chart the platform uses into exactly one workflow group', () => {
    const config = JSON.parse(fs.readFileSync(path.join(ROOT, 'renovate.json'), 'utf8')) as { packageRules: { matchDepNames?: string[]; groupName: string }[] };
    const groups = config.packageRules.filter((r) => r.matchDepNames);
    const names = groups.flatMap((r) => r.matchDepNames!);
    expect(new Set(names).size).toBe(names.length);
    expect(groups.find((r) => r.matchDepNames!.includes(CHARTS.cilium.chart))?.groupName).toBe('workflow 1 foundation');
  });
});
