// renovate.json, generated from the component model so its groups follow the workflows. `npm run
// synth` rewrites it beside the config after rendering every environment (writeRenovateJson), so
// adding a service or a component never needs a manual step. The CLI is tools/renovate.ts.
//
// Renovate finds the pins with regex custom managers: the CHARTS table in config/versions.ts (helm
// datasource; docker datasource for OCI charts), the IMAGES table there and the services' `image:`
// lines in platform.yaml (docker datasource), the commit-pinned GIT_SOURCES (git-refs), the newest
// EKS minor of EKS_VERSIONS (endoflife-date datasource, product amazon-eks; the clusters follow n-1). One
// packageRule per workflow groups the charts and images its components use into one PR.
import * as fs from 'node:fs';
import { PlatformConfig } from '../config/schema';
import { EKS_VERSIONS, GIT_SOURCES, IMAGES } from '../config/versions';
import { Workflow, WORKFLOW_ORDER } from './component';
import { ImageRef } from './image-ref';
import { WORKFLOW_TITLES } from './plan-report';
import { writeFileAtomically } from './output';
import { buildEnvironment, EnvironmentModel } from '../platform';
import { synthObjects } from './render';

/** The file name, beside the config it is generated from (Renovate reads it from the repository root). */
export const RENOVATE_FILE = 'renovate.json';

const VERSIONS_FILE = 'config/versions.ts';

/** The regexes Renovate applies (RE2 syntax: no lookbehind); exported for the test that runs them. */
export const MATCH = {
  /** `cilium: { repoURL: 'https://helm.cilium.io/', chart: 'cilium', version: '1.20.0' },` */
  helmChart: "\\{ repoURL: '(?<registryUrl>https://[^']+)', chart: '(?<depName>[^']+)', version: '(?<currentValue>[^']+)' \\}",
  /** `strimzi: { repoURL: 'quay.io/strimzi-helm', chart: 'strimzi-kafka-operator', version: '1.2.0', oci: true },` */
  ociChart: "\\{ repoURL: '(?<ociRepository>[^':]+)', chart: '(?<depName>[^']+)', version: '(?<currentValue>[^']+)', oci: true \\}",
  /** The IMAGES block, then each `name: 'registry/repo:tag'` entry in it. */
  imagesBlock: 'export const IMAGES = \\{[^}]*\\}',
  imageEntry: "\\w+: '(?<depName>[a-z0-9.-]+(?:/[a-z0-9._-]+)+):(?<currentValue>[A-Za-z0-9._-]+)'",
  /**
   * `image: ghcr.io/example/orders:1.8.0@sha256:<64 hex>` in platform.yaml (services are pinned by
   * digest; a tag is optional beside it): Renovate moves tag and digest together.
   */
  serviceImage: 'image: ["\']?(?<depName>[a-z0-9.-]+(?:/[a-z0-9._-]+)+)(?::(?<currentValue>[A-Za-z0-9._-]+))?@(?<currentDigest>sha256:[0-9a-f]{64})["\']?',
  /** `export const EKS_VERSIONS = { product: 'amazon-eks', newest: '1.36' } as const;` */
  eksVersion: "EKS_VERSIONS = \\{ product: '(?<depName>[a-z0-9-]+)', newest: '(?<currentValue>[0-9]+\\.[0-9]+)' \\}",
  /** `repoURL: 'https://github.com/…/x.git', revision: '<40 hex>'` in GIT_SOURCES. */
  gitSource: "repoURL: '(?<depName>https://[^']+)',\\s*revision: '(?<currentDigest>[0-9a-f]{40})'",
} as const;

/** The repository of an image reference: without its digest, and without its tag if it has one. */
export function imageRepository(image: string): string {
  return ImageRef.parse(image).name;
}

const exact = (file: string) => `/^${file.replace(/[.]/g, '\\.')}$/`;

/** Every environment of a config, built. */
const everyEnvironment = (config: PlatformConfig): EnvironmentModel[] => Object.keys(config.environments).map((env) => buildEnvironment(config, env));

/**
 * Chart names and image repositories each workflow uses, from every environment of the config.
 * @param models every environment of `config`, built (synth passes the ones it built)
 */
export function pinsByWorkflow(config: PlatformConfig, models: readonly EnvironmentModel[] = everyEnvironment(config)): Map<Workflow, { charts: Set<string>; images: Set<string>; git: Set<string> }> {
  const out = new Map(WORKFLOW_ORDER.map((w) => [w, { charts: new Set<string>(), images: new Set<string>(), git: new Set<string>() }]));
  for (const model of models) {
    for (const c of model.components) {
      const pins = out.get(c.workflow)!;
      if (c.source.type === 'helm') pins.charts.add(c.source.chart.chart);
      if (c.source.type === 'vendored') pins.git.add(c.source.origin.repoURL);
      // An image belongs to the workflows of the components whose values or objects name it.
      const text = c.source.type === 'helm' ? JSON.stringify(c.source.values) : c.source.type === 'manifests' ? JSON.stringify(synthObjects(c.source)) : '';
      for (const image of Object.values(IMAGES)) if (text.includes(image)) pins.images.add(imageRepository(image));
    }
  }
  for (const s of config.services) out.get(Workflow.Apps)!.images.add(imageRepository(s.image));
  return out;
}

/** @param models every environment of `config`, built (@default built here) */
export function renovateConfig(config: PlatformConfig, models?: readonly EnvironmentModel[]): object {
  const pins = pinsByWorkflow(config, models);
  const gitRepos = Object.values(GIT_SOURCES).map((g) => g.repoURL);
  const packageRules: object[] = [
    {
      description: 'Pinned GitHub Actions (digest + version comment), one PR',
      matchManagers: ['github-actions'],
      groupName: 'GitHub Actions',
    },
  ];
  packageRules.push({
    description:
      'The newest Kubernetes minor EKS offers: every cluster follows one behind it (n-1), so this PR moves them a minor; ' +
      'the node AMI release of the new minor (NODE_AMI_RELEASES) and the cluster-autoscaler image of the same minor go with it, ' +
      'then the bootstrap README\'s "Upgrades" runs per environment',
    matchManagers: ['custom.regex'],
    matchDepNames: [EKS_VERSIONS.product],
    groupName: 'kubernetes minor (EKS n-1)',
  });
  const claimed = new Set<string>();
  for (const wf of WORKFLOW_ORDER) {
    const p = pins.get(wf)!;
    // A chart or image used by two workflows goes with the first (in the seed's order).
    const names = [...p.charts, ...p.images, ...p.git].filter((n) => !claimed.has(n)).sort();
    names.forEach((n) => claimed.add(n));
    if (names.length === 0) continue;
    packageRules.push({
      description: `Workflow ${WORKFLOW_TITLES[wf]}: its charts and images in one PR`,
      matchManagers: ['custom.regex'],
      matchDepNames: names,
      groupName: `workflow ${WORKFLOW_TITLES[wf].toLowerCase()}`,
    });
  }
  return {
    $schema: 'https://docs.renovatebot.com/renovate-schema.json',
    description: 'Generated by lib/renovate.ts from platform.yaml and the component model; npm run synth rewrites it, do not edit',
    extends: ['config:recommended', 'helpers:pinGitHubActionDigests'],
    customManagers: [
      {
        customType: 'regex',
        description: 'Helm charts from HTTP repositories in the versions table',
        managerFilePatterns: [exact(VERSIONS_FILE)],
        matchStrings: [MATCH.helmChart],
        datasourceTemplate: 'helm',
      },
      {
        customType: 'regex',
        description: 'Helm charts from OCI registries in the versions table',
        managerFilePatterns: [exact(VERSIONS_FILE)],
        matchStrings: [MATCH.ociChart],
        datasourceTemplate: 'docker',
        packageNameTemplate: '{{{ociRepository}}}/{{{depName}}}',
      },
      {
        customType: 'regex',
        description: 'Images in the versions table (IMAGES)',
        managerFilePatterns: [exact(VERSIONS_FILE)],
        matchStringsStrategy: 'recursive',
        matchStrings: [MATCH.imagesBlock, MATCH.imageEntry],
        datasourceTemplate: 'docker',
      },
      {
        customType: 'regex',
        description: 'The newest Kubernetes minor Amazon EKS offers (EKS_VERSIONS; the clusters run the one before it)',
        managerFilePatterns: [exact(VERSIONS_FILE)],
        matchStrings: [MATCH.eksVersion],
        datasourceTemplate: 'endoflife-date',
        versioningTemplate: 'loose',
      },
      {
        customType: 'regex',
        description: 'Microservice images in platform.yaml',
        managerFilePatterns: [exact('platform.yaml')],
        matchStrings: [MATCH.serviceImage],
        datasourceTemplate: 'docker',
      },
      ...(gitRepos.length
        ? [
            {
              customType: 'regex',
              description: 'Git sources pinned to a commit (GIT_SOURCES): follow the default branch',
              managerFilePatterns: [exact(VERSIONS_FILE)],
              matchStrings: [MATCH.gitSource],
              datasourceTemplate: 'git-refs',
              currentValueTemplate: 'master',
            },
          ]
        : []),
    ],
    packageRules,
  };
}

export function renovateJson(config: PlatformConfig, models?: readonly EnvironmentModel[]): string {
  return `${JSON.stringify(renovateConfig(config, models), null, 2)}\n`;
}

/** Writes `text` to `file` atomically, and only when it differs from what is there; true when it wrote. */
export function writeRenovateJson(file: string, text: string): boolean {
  if (fs.existsSync(file) && fs.readFileSync(file, 'utf8') === text) return false;
  writeFileAtomically(file, text);
  return true;
}
