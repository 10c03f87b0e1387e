// What a new user does with a fork, on a copy of this repository: rename the platform (name,
// account, region, domain, and everything in platform.yaml that carried them), add a public
// service with a database that consumes a Kafka topic an existing service produces, add an
// environment `qa` on the staging tier; then `npm run synth` and `npm test` must pass in the copy,
// `qa` must have its own ClusterConfig and PLAN.md, and dist/ must name the example nowhere.
//
//   node scripts/scenario.mjs [--keep] [--dir DIR] [--report-names]
//
// The copy holds what git would commit (tracked and untracked files, not ignored ones: uncommitted
// work included), and links this repository's node_modules (no install; the render cache is shared).
// --keep leaves the copy in place (it is kept anyway when a step fails). dist/ still naming the
// example (`acme` outside ACME-protocol names) fails the scenario; --report-names only lists it.
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';

const require = createRequire(import.meta.url);
const yaml = require('js-yaml');

const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');

/** The fork: the values a new user puts in place of the example's. */
export const FORK = {
  name: 'globex',
  accountId: '210987654321',
  region: 'us-east-2',
  domain: 'globex.example.org',
  service: 'shipping',
  environment: 'qa',
  /** A KMS key id of the fork's account for qa's OpenBao auto-unseal (the staging tier needs one). */
  qaKeyId: '5d1c9e3a-8f4b-4e27-a6d0-2b7c3e9f1a84',
};

/**
 * Where `acme` is the ACME protocol (cert-manager's API, fields and docs, Let's Encrypt's
 * endpoints), not the example's name: removed from a line before looking for the name.
 */
export const ACME_PROTOCOL = [
  /ACME/g, // the protocol in cert-manager's CRD docs and kinds (ACMEChallengeSolver, ACMEIssuer …)
  /\bacme(?=[A-Z:])/g, // fields: acme:, acmeEmail, acmeDNS, acmeProvider
  /\bacme server\b/g, // CRD docs
  /acme\.cert-manager\.io/g, // cert-manager's ACME API group
  /\bacme-(?:staging-)?v02\.api\.letsencrypt\.org/g, // Let's Encrypt's directories
  /\bacme-(?:challenge|dns|http01)\b/g, // /.well-known/acme-challenge, joohoi/acme-dns, --acme-http01-solver-*
  /cert-manager-acme(?:solver)?\b/g, // cert-manager's ACME solver image and RBAC aggregation label
  /crypto\/acme\b|configuration\/acme\b/g, // golang.org/x/crypto/acme, cert-manager docs URL
];

/** Lines of the files under `dir` naming `acme` outside the ACME protocol: `file:line: token`. */
export function exampleNames(dir) {
  const found = [];
  const walk = (d) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else {
        fs.readFileSync(p, 'utf8').split('\n').forEach((line, i) => {
          if (!/acme/i.test(line)) return;
          const rest = ACME_PROTOCOL.reduce((l, re) => l.replace(re, ''), line);
          for (const m of rest.matchAll(/[\w.:/@-]*acme[\w.:/@-]*/gi)) found.push({ file: path.relative(dir, p), line: i + 1, token: m[0] });
        });
      }
    }
  };
  walk(dir);
  return found;
}

/**
 * A new environment's OpenBao CA, made as the bootstrap README's "OpenBao internal CA" step makes it
 * (openssl); only the certificate goes into platform.yaml, the key is deleted with its folder.
 */
function newCaCertificate(subject) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'scenario-ca-'));
  try {
    execFileSync('openssl', ['req', '-x509', '-new', '-nodes', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-days', '3650',
      '-keyout', path.join(dir, 'ca.key'), '-out', path.join(dir, 'ca.crt'), '-subj', `/CN=${subject}`,
      '-addext', 'basicConstraints=critical,CA:TRUE,pathlen:0', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'], { stdio: 'pipe' });
    return fs.readFileSync(path.join(dir, 'ca.crt'), 'utf8');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** The example config edited as a forking user would: renamed, one more service, one more environment. */
export function forkConfig(text) {
  const cfg = yaml.load(text, { schema: yaml.CORE_SCHEMA });
  const was = { name: cfg.name, accountId: cfg.aws.accountId, region: cfg.aws.region, domain: cfg.dns.domain };
  // Everything that carried the old values: email, GitOps repository, registries, images, key ARNs.
  const escape = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const rename = (s) =>
    s
      .replaceAll(was.domain, FORK.domain)
      .replaceAll(`:${was.region}:`, `:${FORK.region}:`)
      .replaceAll(`:${was.accountId}:`, `:${FORK.accountId}:`)
      .replace(new RegExp(`(?<![A-Za-z0-9])${escape(was.name)}(?![A-Za-z0-9])`, 'g'), FORK.name);
  const walk = (v) => (typeof v === 'string' ? rename(v) : Array.isArray(v) ? v.map(walk) : v && typeof v === 'object' ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)])) : v);
  const out = walk(cfg);
  out.name = FORK.name;
  out.aws = { ...out.aws, accountId: FORK.accountId, region: FORK.region };
  out.dns = { ...out.dns, domain: FORK.domain };

  const producer = out.services.find((s) => (s.kafka?.produces ?? []).length > 0);
  if (!producer) throw new Error('no service of the example produces a Kafka topic');
  const topic = producer.kafka.produces[0];
  const registry = out.policy.allowedRegistries[0];
  out.services.push({ name: FORK.service, image: `${registry}${FORK.service}:1.0.0@sha256:${'0f'.repeat(32)}`, port: 8080, public: true, database: true, kafka: { consumes: [topic] } });
  // The example's CA certificates have no key anyone holds: a fork makes its own CA per environment.
  for (const [name, env] of Object.entries(out.environments)) {
    if (env.openbaoCaCertificate) env.openbaoCaCertificate = newCaCertificate(`openbao-ca (${FORK.name}-${name})`);
  }
  out.environments[FORK.environment] = {
    tier: 'staging',
    openbaoKmsKeyArn: `arn:aws:kms:${FORK.region}:${FORK.accountId}:key/${FORK.qaKeyId}`,
    openbaoCaCertificate: newCaCertificate(`openbao-ca (${FORK.name}-${FORK.environment})`),
  };
  return { text: `# A fork of the example: renamed, with ${FORK.service} and ${FORK.environment} added (scripts/scenario.mjs).\n${yaml.dump(out, { lineWidth: -1 })}`, was, topic, producer: producer.name };
}

function parseArgs(argv) {
  const opts = { keep: false, reportNames: false, dir: undefined };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--keep') opts.keep = true;
    else if (argv[i] === '--report-names') opts.reportNames = true;
    else if (argv[i] === '--dir') opts.dir = argv[++i];
    else if (argv[i] === '-h' || argv[i] === '--help') {
      console.log('Usage: node scripts/scenario.mjs [--keep] [--dir DIR] [--report-names]');
      process.exit(0);
    } else throw new Error(`unknown argument ${argv[i]}`);
  }
  return opts;
}

/** Copies what git would commit (tracked and untracked, not ignored) into `to`, and links node_modules. */
function copyRepository(to) {
  const listed = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 << 20 });
  let files = 0;
  for (const rel of new Set(listed.split('\0').filter(Boolean))) {
    const from = path.join(ROOT, rel);
    if (!fs.existsSync(from) || fs.lstatSync(from).isDirectory()) continue; // deleted in the working tree, or a submodule
    fs.mkdirSync(path.dirname(path.join(to, rel)), { recursive: true });
    fs.copyFileSync(from, path.join(to, rel));
    files++;
  }
  fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(to, 'node_modules'));
  return files;
}

const timings = [];
function step(title, fn) {
  const started = Date.now();
  process.stdout.write(`\n--> ${title}\n`);
  const result = fn();
  timings.push([title, (Date.now() - started) / 1000]);
  return result;
}

function run(cwd, command, args) {
  const r = spawnSync(command, args, { cwd, stdio: 'inherit', env: { ...process.env, CDK8S_CHECK_UPGRADE: 'false' } });
  if (r.status !== 0) throw new Error(`${command} ${args.join(' ')} failed in ${cwd} (exit ${r.status ?? r.signal})`);
}

function check(condition, what) {
  if (!condition) throw new Error(`check failed: ${what}`);
  console.log(`ok: ${what}`);
}

function main() {
  const opts = parseArgs(process.argv.slice(2));
  const started = Date.now();
  const dir = opts.dir ? path.resolve(opts.dir) : fs.mkdtempSync(path.join(os.tmpdir(), 'scenario-'));
  const copy = path.join(dir, path.basename(ROOT));
  if (fs.existsSync(copy)) throw new Error(`${copy} exists: pass another --dir`);
  let failed = true;
  try {
    const files = step(`copy the repository to ${copy}`, () => copyRepository(copy));
    console.log(`${files} files, node_modules linked`);

    const before = { lock: fs.readFileSync(path.join(copy, 'permissions.lock.json'), 'utf8'), renovate: fs.readFileSync(path.join(copy, 'renovate.json'), 'utf8') };
    const fork = step(`edit platform.yaml: rename to ${FORK.name} (${FORK.accountId}, ${FORK.region}, ${FORK.domain}); add ${FORK.service} and environment ${FORK.environment}`, () => {
      const f = forkConfig(fs.readFileSync(path.join(copy, 'platform.yaml'), 'utf8'));
      fs.writeFileSync(path.join(copy, 'platform.yaml'), f.text);
      console.log(`was ${f.was.name} (${f.was.accountId}, ${f.was.region}, ${f.was.domain}); ${FORK.service} consumes ${f.topic}, produced by ${f.producer}`);
      return f;
    });

    // No --update-permissions: the lock holds each workflow's namespaces and cluster-scoped kinds,
    // and neither another environment of an existing tier nor a service in the apps namespace adds any.
    step('npm run synth', () => run(copy, 'npm', ['run', 'synth']));

    step('check dist/ and the files synth keeps beside the config', () => {
      const dist = path.join(copy, 'dist');
      const envs = JSON.parse(fs.readFileSync(path.join(dist, '.synth.json'), 'utf8')).owned;
      check(envs.includes(FORK.environment), `dist/.synth.json lists ${FORK.environment} (${envs.join(', ')})`);
      const cluster = yaml.load(fs.readFileSync(path.join(dist, FORK.environment, 'eksctl', 'cluster.yaml'), 'utf8'));
      check(cluster.metadata.name === `${FORK.name}-${FORK.environment}` && cluster.metadata.region === FORK.region, `dist/${FORK.environment}/eksctl/cluster.yaml is cluster ${cluster.metadata.name} in ${cluster.metadata.region}`);
      const plan = fs.readFileSync(path.join(dist, FORK.environment, 'PLAN.md'), 'utf8');
      check(plan.includes(`# Plan: ${FORK.environment}`), `dist/${FORK.environment}/PLAN.md is ${FORK.environment}'s plan`);
      for (const env of envs) {
        const m = path.join(dist, env, 'manifests');
        const mapping = yaml.load(fs.readFileSync(path.join(m, 'emissary-config', `mapping-${FORK.service}.yaml`), 'utf8'));
        check(mapping.spec.hostname.startsWith(`${FORK.service}.`) && mapping.spec.hostname.endsWith(FORK.domain), `${env}: ${FORK.service} is routed at ${mapping.spec.hostname}`);
        check(fs.existsSync(path.join(m, 'postgres', `database-${FORK.service}.yaml`)), `${env}: ${FORK.service} has its database`);
        check(fs.existsSync(path.join(m, 'kafka', `kafkatopic-${fork.topic}.yaml`)) && fs.readFileSync(path.join(m, 'kafka', 'kafka-kafka.yaml'), 'utf8').includes(FORK.service), `${env}: the kafka cluster knows ${FORK.service}, consumer of ${fork.topic}`);
      }
      check(fs.readFileSync(path.join(copy, 'permissions.lock.json'), 'utf8') === before.lock, 'permissions.lock.json is unchanged (no --update-permissions needed)');
      const renovate = fs.readFileSync(path.join(copy, 'renovate.json'), 'utf8');
      check(renovate !== before.renovate && renovate.includes(`/${FORK.service}"`), `renovate.json was regenerated with ${FORK.service}'s image`);
    });

    step('npm test', () => run(copy, 'npm', ['test']));

    const names = step('dist/ names the example nowhere (grep -ri acme dist/, ACME-protocol names aside)', () => exampleNames(path.join(copy, 'dist')));
    if (names.length) {
      const byToken = new Map();
      for (const n of names) byToken.set(n.token, [...(byToken.get(n.token) ?? []), n]);
      console.log(`${names.length} lines in dist/ still name the example:`);
      for (const [token, at] of [...byToken].sort((a, b) => b[1].length - a[1].length)) console.log(`  ${String(at.length).padStart(5)}  ${token}   e.g. ${at[0].file}:${at[0].line}`);
      if (!opts.reportNames) throw new Error('dist/ still names the example (lines above)');
      console.log('(reported, not failed: --report-names)');
    } else console.log('ok: no name of the example in dist/');
    failed = false;
  } finally {
    console.log('\nscenario timings:');
    for (const [title, s] of timings) console.log(`  ${s.toFixed(1).padStart(6)} s  ${title}`);
    console.log(`  ${((Date.now() - started) / 1000).toFixed(1).padStart(6)} s  total`);
    if (failed || opts.keep) console.log(`the copy is kept in ${copy}`);
    else fs.rmSync(opts.dir ? copy : dir, { recursive: true, force: true });
  }
  console.log(`\nscenario passed: ${FORK.name}, with ${FORK.service} and ${FORK.environment}, synthesizes and tests green`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(new URL(import.meta.url).pathname)) {
  try {
    main();
  } catch (e) {
    console.error(`\nerror: ${e instanceof Error ? e.message : String(e)}`);
    process.exitCode = 1;
  }
}
