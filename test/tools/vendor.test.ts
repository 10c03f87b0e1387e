import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { ChartPin, IMAGES } from '../../config/versions';
import { forgetVerifiedHelm } from '../../lib/helm/binary';
import { CHART_LOCK_FILE, readChartLock, VENDOR_CHARTS_DIR } from '../../lib/helm/vendor';
import { formatImageLock, IMAGE_LOCK, lockKey, parseImageLock } from '../../lib/image-lock';
import { projectRoot } from '../../lib/project-root';
import { main, parseArgs, parseChartIndex, VendorDeps, wantedImages } from '../../tools/vendor';
import { FakeRegistry, indexFor, sha256, startFakeRegistry } from '../fake-registry';

/**
 * A stand-in for the pinned helm: answers `version` with v4.1.4, `show chart FILE` from the
 * package's Chart.yaml, and `pull` by copying $FAKE_HELM_PACKAGES/<chart>-<version>.tgz into the
 * destination (printing a Digest line for oci:// references, as helm does). Calls are logged.
 */
const FAKE_HELM = `#!/bin/sh
set -eu
cmd="$1"
shift
case "$cmd" in
  version)
    printf '%s' "\${FAKE_HELM_VERSION:-v4.1.4}"
    ;;
  show)
    file="$2"
    member="$(tar -tzf "$file" | grep -E '^[^/]+/Chart[.]yaml$' | head -n 1)"
    tar -xzOf "$file" "$member"
    ;;
  pull)
    printf 'pull %s\\n' "$*" >> "$FAKE_HELM_LOG"
    ref="$1"
    shift
    version=""
    dest="."
    while [ "$#" -gt 0 ]; do
      case "$1" in
        --version) version="$2"; shift 2 ;;
        --destination) dest="$2"; shift 2 ;;
        *) shift ;;
      esac
    done
    name="\${ref##*/}"
    cp "$FAKE_HELM_PACKAGES/$name-$version.tgz" "$dest/"
    case "$ref" in
      oci://*) printf 'Pulled: %s:%s\\nDigest: %s\\n' "\${ref#oci://}" "$version" "$FAKE_HELM_OCI_DIGEST" ;;
    esac
    ;;
  *)
    echo "fake helm: unsupported command $cmd" >&2
    exit 1
    ;;
esac
`;

const OCI_DIGEST = `sha256:${'d'.repeat(64)}`;

let tmp: string;
let root: string;
let packages: string;
let helmLog: string;
let deps: VendorDeps;
let stderr: string[];
let stdout: string[];

const alpha: ChartPin = { repoURL: 'https://charts.example.com', chart: 'alpha', version: '1.0.0' };
const beta: ChartPin = { repoURL: 'ghcr.io/example', chart: 'beta', version: 'v2.0.0', oci: true };

/** A chart package as `helm package` lays it out: <name>/Chart.yaml inside a gzipped tar. */
function makePackage(dir: string, name: string, version: string, chartVersion = version, replicas = 1): string {
  const work = fs.mkdtempSync(path.join(tmp, 'pkg-'));
  fs.mkdirSync(path.join(work, name));
  fs.writeFileSync(path.join(work, name, 'Chart.yaml'), `apiVersion: v2\nname: ${name}\nversion: ${chartVersion}\n`);
  fs.writeFileSync(path.join(work, name, 'values.yaml'), `replicas: ${replicas}\n`);
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${name}-${version}.tgz`);
  execFileSync('tar', ['-czf', file, '-C', work, name]);
  return file;
}

const sha = (file: string) => createHash('sha256').update(fs.readFileSync(file)).digest('hex');
const lockText = () => fs.readFileSync(path.join(root, CHART_LOCK_FILE), 'utf8');
const vendoredFiles = () => fs.readdirSync(path.join(root, VENDOR_CHARTS_DIR)).filter((f) => f.endsWith('.tgz')).sort();

beforeEach(() => {
  forgetVerifiedHelm();
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'vendor-tool-test-'));
  root = path.join(tmp, 'project');
  fs.mkdirSync(root);
  packages = path.join(tmp, 'upstream');
  helmLog = path.join(tmp, 'helm.log');
  fs.writeFileSync(helmLog, '');
  const helm = path.join(tmp, 'helm');
  fs.writeFileSync(helm, FAKE_HELM, { mode: 0o755 });
  stdout = [];
  stderr = [];
  jest.spyOn(console, 'error').mockImplementation((...args: unknown[]) => void stderr.push(args.join(' ')));
  deps = {
    pins: [alpha, beta],
    env: { ...process.env, HELM: helm, FAKE_HELM_PACKAGES: packages, FAKE_HELM_LOG: helmLog, FAKE_HELM_OCI_DIGEST: OCI_DIGEST },
    log: (line) => stdout.push(line),
  };
});
afterEach(() => {
  jest.restoreAllMocks();
  fs.rmSync(tmp, { recursive: true, force: true });
});

/** An INDEX.md in the format of the rebuilt packages' index, describing alpha (rebuilt) and beta (published). */
function writeIndex(dir: string, shas: { alpha: string; beta: string }): string {
  const file = path.join(dir, 'INDEX.md');
  fs.writeFileSync(
    file,
    [
      '# Chart packages: index',
      '',
      '| chart | version | source repo : path | commit | subcharts (name version repo commit) | packaging | sha256 of the tgz | license |',
      '|---|---|---|---|---|---|---|---|',
      `| alpha | 1.0.0 | example/alpha : \`charts/alpha\` (tag \`alpha-1.0.0\`) | \`${'1'.repeat(40)}\` | none | values rewrite, see below | \`${shas.alpha}\` | Apache-2.0 |`,
      `| beta | v2.0.0 | example/charts : \`beta-v2.0.0.tgz\` (the published package, used as is) | \`${'2'.repeat(40)}\` | none | = \`digest\` in that repo's index.yaml | \`${shas.beta}\` | Apache-2.0 |`,
      `| gamma | 0.1.0 | example/gamma : \`charts/gamma\` | \`${'3'.repeat(40)}\` | none | **NOT PACKAGED** | none | MIT |`,
      '',
      '## Packaging notes',
      '',
      '- **Alpha (alpha).** The image `tag: latest` is set to the release,',
      '  as its release tooling does.',
      '- **Other.** Unrelated.',
      '',
      '## Verification',
      '',
    ].join('\n'),
  );
  return file;
}

describe('npm run vendor -- --from DIR', () => {
  test('copies every pinned package and writes the lock with the provenance --index gives', async () => {
    const a = makePackage(packages, 'alpha', '1.0.0');
    const b = makePackage(packages, 'beta', 'v2.0.0');
    const index = writeIndex(packages, { alpha: sha(a), beta: sha(b) });
    await expect(main(['--from', packages, '--index', index, '--root', root], deps)).resolves.toBe(0);
    expect(vendoredFiles()).toEqual(['alpha-1.0.0.tgz', 'beta-v2.0.0.tgz']);
    expect(sha(path.join(root, VENDOR_CHARTS_DIR, 'alpha-1.0.0.tgz'))).toBe(sha(a));
    const lock = readChartLock(root);
    expect(lock.charts).toEqual([
      {
        chart: 'alpha',
        version: '1.0.0',
        repository: 'https://charts.example.com',
        file: 'alpha-1.0.0.tgz',
        sha256: sha(a),
        source: {
          kind: 'rebuilt-from-source',
          repo: 'example/alpha',
          path: 'charts/alpha',
          commit: '1'.repeat(40),
          notes: 'tag alpha-1.0.0; packaging: values rewrite; Alpha (alpha). The image tag: latest is set to the release, as its release tooling does',
        },
      },
      { chart: 'beta', version: 'v2.0.0', repository: 'oci://ghcr.io/example', file: 'beta-v2.0.0.tgz', sha256: sha(b), source: { kind: 'published', digest: `sha256:${sha(b)}` } },
    ]);
    expect(stdout).toContain(`added     alpha 1.0.0  sha256 ${sha(a)}`);
  });

  test('a second run changes nothing, and packages and lock entries no pin uses are removed', async () => {
    const a = makePackage(packages, 'alpha', '1.0.0');
    const b = makePackage(packages, 'beta', 'v2.0.0');
    const index = writeIndex(packages, { alpha: sha(a), beta: sha(b) });
    await main(['--from', packages, '--index', index, '--root', root], deps);
    const first = lockText();
    await expect(main(['--from', packages, '--index', index, '--root', root], { ...deps, pins: [alpha] })).resolves.toBe(0);
    expect(vendoredFiles()).toEqual(['alpha-1.0.0.tgz']);
    expect(readChartLock(root).charts.map((e) => e.chart)).toEqual(['alpha']);
    expect(stdout).toContain('removed   vendor/charts/beta-v2.0.0.tgz (no pin uses it)');
    await main(['--from', packages, '--index', index, '--root', root], deps);
    expect(lockText()).toBe(first);
  });

  test('without --index a package keeps the provenance the lock has for the same sha256; a new one is refused, naming the chart', async () => {
    const a = makePackage(packages, 'alpha', '1.0.0');
    const b = makePackage(packages, 'beta', 'v2.0.0');
    await main(['--from', packages, '--index', writeIndex(packages, { alpha: sha(a), beta: sha(b) }), '--root', root], deps);
    const before = lockText();
    await expect(main(['--from', packages, '--root', root], deps)).resolves.toBe(0);
    expect(lockText()).toBe(before);

    makePackage(packages, 'alpha', '1.0.0', '1.0.0', 2); // another package under the same name
    await expect(main(['--from', packages, '--root', root], deps)).resolves.toBe(1);
    expect(stderr.join('\n')).toMatch(/alpha 1\.0\.0: no provenance for .*alpha-1\.0\.0\.tgz \(no --index FILE says how it was built\)/);
    // The failed chart keeps its previous, still verified package.
    expect(lockText()).toBe(before);
  });

  test('a package whose sha256 is not the one --index records is refused', async () => {
    const a = makePackage(packages, 'alpha', '1.0.0');
    const b = makePackage(packages, 'beta', 'v2.0.0');
    const index = writeIndex(packages, { alpha: 'f'.repeat(64), beta: sha(b) });
    await expect(main(['--from', packages, '--index', index, '--root', root], deps)).resolves.toBe(1);
    expect(stderr.join('\n')).toContain(`alpha 1.0.0: ${a} has sha256 ${sha(a)}, ${index} says ${'f'.repeat(64)}`);
    expect(vendoredFiles()).toEqual(['beta-v2.0.0.tgz']);
  });

  test('a package that is another chart version than its name says is refused (helm show chart)', async () => {
    makePackage(packages, 'alpha', '1.0.0', '0.9.0');
    await expect(main(['--from', packages, '--root', root], { ...deps, pins: [alpha] })).resolves.toBe(1);
    expect(stderr.join('\n')).toContain('alpha 1.0.0: the package is chart alpha 0.9.0 (helm show chart)');
  });

  test('a pin with no package in DIR is reported, and the others are still vendored', async () => {
    const a = makePackage(packages, 'alpha', '1.0.0');
    const index = writeIndex(packages, { alpha: sha(a), beta: 'f'.repeat(64) });
    await expect(main(['--from', packages, '--index', index, '--root', root], deps)).resolves.toBe(1);
    expect(stderr.join('\n')).toContain(`beta v2.0.0: no beta-v2.0.0.tgz in ${packages}`);
    expect(vendoredFiles()).toEqual(['alpha-1.0.0.tgz']);
  });
});

describe('npm run vendor -- --check', () => {
  beforeEach(async () => {
    const a = makePackage(packages, 'alpha', '1.0.0');
    const b = makePackage(packages, 'beta', 'v2.0.0');
    await main(['--from', packages, '--index', writeIndex(packages, { alpha: sha(a), beta: sha(b) }), '--root', root], deps);
    stdout.length = 0;
  });

  test('passes when every pin has its locked package', async () => {
    await expect(main(['--check', '--root', root], deps)).resolves.toBe(0);
    expect(stdout).toEqual(['vendor/charts: 2 chart packages verified against vendor/charts/charts.lock.json']);
  });

  test('detects an altered package, names it and the fix, and changes nothing', async () => {
    const file = path.join(root, VENDOR_CHARTS_DIR, 'beta-v2.0.0.tgz');
    fs.appendFileSync(file, 'x');
    const lock = lockText();
    await expect(main(['--check', '--root', root], deps)).resolves.toBe(1);
    expect(stderr.join('\n')).toMatch(/beta v2\.0\.0: vendor\/charts\/beta-v2\.0\.0\.tgz has sha256 [0-9a-f]{64}, the lock says [0-9a-f]{64}\. Fix: .*npm run vendor/);
    expect(lockText()).toBe(lock);
    expect(fs.readFileSync(file, 'utf8').endsWith('x')).toBe(true);
  });

  test('reports a pin with no package, lock entries no pin uses and packages the lock does not know', async () => {
    fs.writeFileSync(path.join(root, VENDOR_CHARTS_DIR, 'stray-0.1.0.tgz'), 'stray');
    const gamma: ChartPin = { repoURL: 'https://charts.example.com', chart: 'gamma', version: '0.1.0' };
    await expect(main(['--check', '--root', root], { ...deps, pins: [alpha, gamma] })).resolves.toBe(1);
    const out = stderr.join('\n');
    expect(out).toContain('3 chart package problems');
    expect(out).toContain('gamma 0.1.0: not in vendor/charts/charts.lock.json');
    expect(out).toContain('beta v2.0.0: in vendor/charts/charts.lock.json but no pin in config/versions.ts uses it');
    expect(out).toContain('vendor/charts/stray-0.1.0.tgz: not in vendor/charts/charts.lock.json');
  });
});

describe('npm run vendor (pull with the pinned helm)', () => {
  let server: http.Server;
  let repoURL: string;
  let indexYaml: string;

  beforeEach(async () => {
    server = http.createServer((req, res) => {
      if (req.url === '/index.yaml') res.end(indexYaml);
      else res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    repoURL = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  });
  afterEach(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const index = (digest: string) => `apiVersion: v1\nentries:\n  alpha:\n    - name: alpha\n      version: 1.0.0\n      digest: ${digest}\n    - name: alpha\n      version: 0.9.0\n      digest: ${'0'.repeat(64)}\n`;

  test('pulls each pin (HTTP with --repo, OCI by reference) and locks the digest the repository advertises', async () => {
    const a = makePackage(packages, 'alpha', '1.0.0');
    const b = makePackage(packages, 'beta', 'v2.0.0');
    indexYaml = index(sha(a));
    const pins = [{ ...alpha, repoURL }, beta];
    await expect(main(['--root', root], { ...deps, pins })).resolves.toBe(0);
    const log = fs.readFileSync(helmLog, 'utf8');
    expect(log).toMatch(new RegExp(`^pull alpha --repo ${repoURL} --version 1\\.0\\.0 --destination \\S+$`, 'm'));
    expect(log).toMatch(/^pull oci:\/\/ghcr\.io\/example\/beta --version v2\.0\.0 --destination \S+$/m);
    expect(readChartLock(root).charts.map((e) => [e.chart, e.sha256, e.source])).toEqual([
      ['alpha', sha(a), { kind: 'published', digest: `sha256:${sha(a)}` }],
      ['beta', sha(b), { kind: 'published', digest: OCI_DIGEST }],
    ]);
    expect(vendoredFiles()).toEqual(['alpha-1.0.0.tgz', 'beta-v2.0.0.tgz']);
  });

  test('a pulled package replaces a rebuilt one, and the lock says so (published instead of rebuilt-from-source)', async () => {
    const rebuilt = makePackage(packages, 'alpha', '1.0.0');
    await main(['--from', packages, '--index', writeIndex(packages, { alpha: sha(rebuilt), beta: 'f'.repeat(64) }), '--root', root], { ...deps, pins: [{ ...alpha, repoURL }] });
    expect(readChartLock(root).charts[0].source.kind).toBe('rebuilt-from-source');
    const published = makePackage(packages, 'alpha', '1.0.0', '1.0.0', 2);
    indexYaml = index(sha(published));
    await expect(main(['--root', root], { ...deps, pins: [{ ...alpha, repoURL }] })).resolves.toBe(0);
    expect(readChartLock(root).charts[0]).toMatchObject({ sha256: sha(published), source: { kind: 'published', digest: `sha256:${sha(published)}` } });
    expect(stdout.some((l) => l.startsWith('updated   alpha 1.0.0'))).toBe(true);
  });

  test('a pulled package that is not what the index advertises is refused, and the previous package is kept', async () => {
    const advertised = sha(makePackage(packages, 'alpha', '1.0.0'));
    indexYaml = index(advertised);
    const pins = [{ ...alpha, repoURL }];
    await main(['--root', root], { ...deps, pins });
    const before = lockText();
    const other = makePackage(packages, 'alpha', '1.0.0', '1.0.0', 2);
    await expect(main(['--root', root], { ...deps, pins })).resolves.toBe(1);
    expect(stderr.join('\n')).toContain(`alpha 1.0.0: the pulled package has sha256 ${sha(other)}, ${repoURL} index.yaml advertises ${advertised}`);
    expect(lockText()).toBe(before);
  });

  test('a failing pull is reported with helm’s message, naming the chart', async () => {
    await expect(main(['--root', root], { ...deps, pins: [beta] })).resolves.toBe(1);
    expect(stderr.join('\n')).toMatch(/beta v2\.0\.0: helm pull oci:\/\/ghcr\.io\/example\/beta --version v2\.0\.0 .*cp: /);
  });

  test('a HELM of the wrong version is refused before anything is pulled', async () => {
    await expect(main(['--root', root], { ...deps, env: { ...deps.env, FAKE_HELM_VERSION: 'v3.17.0' } })).resolves.toBe(1);
    expect(stderr.join('\n')).toContain('expected exactly v4.1.4');
    expect(fs.readFileSync(helmLog, 'utf8')).toBe('');
  });
});

describe('arguments', () => {
  test('--index without --from, and --check with --from, are usage errors (exit 2)', async () => {
    await expect(main(['--index', 'INDEX.md'])).resolves.toBe(2);
    await expect(main(['--check', '--from', 'x'])).resolves.toBe(2);
    expect(stderr.join('\n')).toContain('Usage: npm run vendor');
  });

  test('the default is to pull into this project', () => {
    const opts = parseArgs([]);
    expect(opts).toMatchObject({ mode: { kind: 'pull' } });
    expect(fs.existsSync(path.join((opts as { root: string }).root, 'package.json'))).toBe(true);
  });
});

test('parseChartIndex leaves out charts that were not packaged and keeps published packages as published', () => {
  const rows = parseChartIndex(fs.readFileSync(writeIndex(tmp, { alpha: 'a'.repeat(64), beta: 'b'.repeat(64) }), 'utf8'));
  expect([...rows.keys()]).toEqual(['alpha@1.0.0', 'beta@v2.0.0']);
  expect(rows.get('beta@v2.0.0')!.source).toEqual({ kind: 'published', digest: `sha256:${'b'.repeat(64)}` });
});

describe('npm run vendor -- --images (digests from a local distribution API server)', () => {
  let registry: FakeRegistry;
  const manifests = {
    'library/busybox:1.37.0-musl': indexFor('busybox'),
    'acme/tool:v1': indexFor('tool'),
    'example/app:2.0': indexFor('app'),
    'prometheus/prometheus:v3.14.0': indexFor('prometheus'),
  };
  const images = { busybox: 'docker.io/library/busybox:1.37.0-musl', tool: 'ghcr.io/acme/tool:v1' };
  const lockFile = () => path.join(root, IMAGE_LOCK);
  const imageDeps = (): VendorDeps => ({ ...deps, images, registry: { baseURL: () => registry.url, timeoutMs: 5_000 } });
  const expected = () =>
    `${JSON.stringify(
      {
        version: 1,
        images: {
          'docker.io/library/busybox:1.37.0-musl': sha256(manifests['library/busybox:1.37.0-musl'].body),
          'ghcr.io/acme/tool:v1': sha256(manifests['acme/tool:v1'].body),
          'quay.io/example/app:2.0': sha256(manifests['example/app:2.0'].body),
          'quay.io/prometheus/prometheus:v3.14.0': sha256(manifests['prometheus/prometheus:v3.14.0'].body),
        },
      },
      null,
      2,
    )}\n`;

  /** A rendered dist/ as synth writes it: containers by tag (one the short Docker Hub spelling of an IMAGES entry), a service by digest, an operator's CR, a template. */
  function writeDist(extra = ''): void {
    const dir = path.join(root, 'dist', 'dev', 'manifests', 'app');
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(
      path.join(dir, 'deployment-app.yaml'),
      [
        'apiVersion: apps/v1',
        'kind: Deployment',
        'metadata: { name: app, namespace: app }',
        'spec:',
        '  template:',
        '    spec:',
        '      initContainers:',
        '        - { name: init, image: "busybox:1.37.0-musl", imagePullPolicy: IfNotPresent }',
        '      containers:',
        '        - { name: app, image: quay.io/example/app:2.0 }',
        `        - { name: orders, image: "ghcr.io/acme/orders:1.8.0@sha256:${'c'.repeat(64)}" }`,
        extra,
        '---',
        'apiVersion: monitoring.coreos.com/v1',
        'kind: Prometheus',
        'metadata: { name: p, namespace: monitoring }',
        'spec: { image: "quay.io/prometheus/prometheus:v3.14.0" }',
        '---',
        'apiVersion: v1',
        'kind: ConfigMap',
        'metadata: { name: injector, namespace: istio-system }',
        'data: { template: "image: {{ .ProxyImage }}" }',
        '',
      ].join('\n'),
    );
  }

  beforeEach(async () => {
    registry = await startFakeRegistry({ manifests, delay: (p) => (p.includes('busybox') ? 30 : p.includes('app') ? 15 : 0) });
    writeDist();
  });
  afterEach(() => registry.close());

  test('resolves IMAGES and the tag-only images of dist/ and writes images.lock.json sorted, in the lock format', async () => {
    await expect(main(['--images', '--root', root], imageDeps())).resolves.toBe(0);
    const text = fs.readFileSync(lockFile(), 'utf8');
    expect(text).toBe(expected());
    expect(parseImageLock(text)).toEqual(JSON.parse(expected()));
    expect(stdout).toContain(`added     ghcr.io/acme/tool:v1  ${sha256(manifests['acme/tool:v1'].body)}`);
    expect(stdout[stdout.length - 1]).toBe('images.lock.json: 4 images');
    // The service image pinned by digest is not asked about; busybox is asked once for both spellings.
    const heads = registry.requests.filter((r) => r.method === 'HEAD' && r.authorization).map((r) => r.path);
    expect(heads.sort()).toEqual(['/v2/acme/tool/manifests/v1', '/v2/example/app/manifests/2.0', '/v2/library/busybox/manifests/1.37.0-musl', '/v2/prometheus/prometheus/manifests/v3.14.0']);
    // Charts are not touched.
    expect(fs.existsSync(path.join(root, VENDOR_CHARTS_DIR))).toBe(false);
    expect(fs.readFileSync(helmLog, 'utf8')).toBe('');
    expect(fs.readdirSync(root).filter((f) => f.includes('.tmp'))).toEqual([]);
  });

  test('is deterministic: another run, in another order and concurrency, writes the same bytes and says nothing changed', async () => {
    await main(['--images', '--root', root], imageDeps());
    const first = fs.readFileSync(lockFile(), 'utf8');
    stdout.length = 0;
    await expect(main(['--images', '--root', root], { ...imageDeps(), concurrency: 1 })).resolves.toBe(0);
    expect(fs.readFileSync(lockFile(), 'utf8')).toBe(first);
    expect(stdout.filter((l) => /^(added|updated|removed)/.test(l))).toEqual([]);
    expect(stdout.filter((l) => l.startsWith('unchanged')).length).toBe(4);
  });

  test('a moved tag is updated and an entry nothing names any more is removed', async () => {
    const stale = `${JSON.stringify({ version: 1, images: { 'docker.io/library/busybox:1.37.0-musl': `sha256:${'0'.repeat(64)}`, 'quay.io/old/thing:1': `sha256:${'1'.repeat(64)}` } }, null, 2)}\n`;
    fs.writeFileSync(lockFile(), stale);
    await expect(main(['--images', '--root', root], imageDeps())).resolves.toBe(0);
    expect(fs.readFileSync(lockFile(), 'utf8')).toBe(expected());
    expect(stdout).toContain(`updated   docker.io/library/busybox:1.37.0-musl  ${sha256(manifests['library/busybox:1.37.0-musl'].body)}`);
    expect(stdout).toContain('removed   quay.io/old/thing:1 (nothing names it by tag any more)');
  });

  test('a tag the registry lacks fails the run, naming the image, the registry, the status and where it is used, and writes nothing', async () => {
    writeDist('        - { name: gone, image: ghcr.io/acme/gone:0.1 }');
    await expect(main(['--images', '--root', root], imageDeps())).resolves.toBe(1);
    const err = stderr.join('\n');
    expect(err).toContain('1 of 5 images could not be resolved; images.lock.json was not written');
    expect(err).toMatch(/ghcr\.io\/acme\/gone:0\.1: registry ghcr\.io answered HTTP 404 \(no such repository or tag\) to HEAD http:\/\/127\.0\.0\.1:\d+\/v2\/acme\/gone\/manifests\/0\.1 \[dist\/dev\/manifests\/app\/deployment-app\.yaml\]/);
    expect(fs.existsSync(lockFile())).toBe(false);

    // An existing lock is left exactly as it was.
    const before = `${JSON.stringify({ version: 1, images: { 'quay.io/old/thing:1': `sha256:${'1'.repeat(64)}` } }, null, 2)}\n`;
    fs.writeFileSync(lockFile(), before);
    await expect(main(['--images', '--root', root], imageDeps())).resolves.toBe(1);
    expect(fs.readFileSync(lockFile(), 'utf8')).toBe(before);
  });

  test('a refused token fails every image behind it, each named with the registry and the status', async () => {
    await registry.close();
    registry = await startFakeRegistry({ manifests, tokenStatus: 401 });
    await expect(main(['--images', '--root', root], imageDeps())).resolves.toBe(1);
    const err = stderr.join('\n');
    expect(err).toContain('4 of 4 images could not be resolved');
    expect(err).toMatch(/docker\.io\/library\/busybox:1\.37\.0-musl: registry docker\.io \(http:\/\/127\.0\.0\.1:\d+\) token realm answered HTTP 401/);
    expect(err).toMatch(/ghcr\.io\/acme\/tool:v1: registry ghcr\.io token realm answered HTTP 401 .* \[config\/versions\.ts IMAGES\.tool\]/);
    expect(fs.existsSync(lockFile())).toBe(false);
  });

  test('--images --check reads no network: passes when the lock holds exactly the tag-pinned images, lists what is missing or stale', async () => {
    await main(['--images', '--root', root], imageDeps());
    const asked = registry.requests.length;
    stdout.length = 0;
    await expect(main(['--images', '--check', '--root', root], imageDeps())).resolves.toBe(0);
    expect(stdout).toEqual(['images.lock.json: 4 images pinned by tag, each locked']);

    writeDist('        - { name: new, image: ghcr.io/acme/new:0.2 }');
    const lock = JSON.parse(fs.readFileSync(lockFile(), 'utf8')) as { version: 1; images: Record<string, string> };
    lock.images['quay.io/old/thing:1'] = `sha256:${'1'.repeat(64)}`;
    fs.writeFileSync(lockFile(), formatImageLock(lock));
    const text = fs.readFileSync(lockFile(), 'utf8');
    await expect(main(['--images', '--check', '--root', root], imageDeps())).resolves.toBe(1);
    const err = stderr.join('\n');
    expect(err).toContain('images.lock.json does not match the images pinned by tag (2 problems); fix: npm run vendor -- --images on a machine that reaches the registries');
    expect(err).toContain('ghcr.io/acme/new:0.2 (dist/dev/manifests/app/deployment-app.yaml): not in images.lock.json');
    expect(err).toContain('quay.io/old/thing:1: in images.lock.json but neither config/versions.ts IMAGES nor dist/ names it by tag');
    expect(fs.readFileSync(lockFile(), 'utf8')).toBe(text);
    expect(registry.requests.length).toBe(asked);
  });

  test('--images --check with no lock lists every image; a malformed lock is named', async () => {
    await expect(main(['--images', '--check', '--root', root], imageDeps())).resolves.toBe(1);
    expect(stderr.join('\n')).toContain('(4 problems)');
    fs.writeFileSync(lockFile(), '{"version":2}');
    await expect(main(['--images', '--check', '--root', root], imageDeps())).resolves.toBe(1);
    expect(stderr.join('\n')).toContain('version must be 1, got 2');
    expect(registry.requests).toEqual([]);
  });

  test('--images with --from or --index is a usage error', async () => {
    await expect(main(['--images', '--from', 'x'])).resolves.toBe(2);
    await expect(main(['--images', '--index', 'x'])).resolves.toBe(2);
    expect(parseArgs(['--images'])).toMatchObject({ mode: { kind: 'images', check: false } });
    expect(parseArgs(['--images', '--check'])).toMatchObject({ mode: { kind: 'images', check: true } });
  });
});

test('what --images locks in this project: every IMAGES entry and the tag-only images of dist/, never a digest-pinned one', () => {
  const project = projectRoot();
  const wanted = wantedImages(project);
  const keys = wanted.images.map((i) => i.key);
  for (const image of Object.values(IMAGES)) expect(keys).toContain(lockKey(image));
  expect(keys).toEqual([...keys].sort());
  expect(keys.some((k) => k.startsWith('ghcr.io/acme/'))).toBe(false);
  // Every key is one the lock format accepts.
  const lock = formatImageLock({ version: 1, images: Object.fromEntries(keys.map((k) => [k, `sha256:${'0'.repeat(64)}`])) });
  expect(Object.keys(parseImageLock(lock).images)).toEqual(keys);
  if (fs.existsSync(path.join(project, 'dist'))) {
    // Chart images (and operators' CR images such as Prometheus spec.image) come from dist/.
    expect(wanted.images.some((i) => i.from.startsWith('dist/'))).toBe(true);
    expect(keys.length).toBeGreaterThan(Object.keys(IMAGES).length);
  }
});
