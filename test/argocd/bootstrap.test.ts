/**
 * The bootstrap README as an operator follows it, start to end: tools with versions that match the
 * platform, every variable defined before it is used, seeding before the endpoint turns private,
 * the way into Argo CD, a rollback that works with automated sync, and a teardown in reverse.
 */
import { bootstrapTools, renderedImageTag, wavePlan } from '../../argocd/bootstrap';
import { OPENBAO_SEEDING_GATE_SECONDS } from '../../argocd/health';
import { stepNumber } from '../../argocd/steps';
import { Workflow } from '../../lib/component';
import { FileTree } from '../../lib/output';
import { ENVIRONMENTS, hydratedFixture, renderedFixture, fixtureEnvironment } from '../support';

jest.setTimeout(120_000);

const trees = new Map<string, FileTree>();
beforeAll(async () => {
  for (const env of ENVIRONMENTS) trees.set(env, await renderedFixture(env));
});
const readmeOf = (env: string) => trees.get(env)!.get(`${env}/bootstrap/README.md`)!;

/** The README's `## ` sections in order, each with its `### ` subsections and its bash blocks. */
interface Section {
  readonly title: string;
  readonly text: string;
  readonly subsections: { readonly title: string; readonly bash: string[] }[];
}

function sectionsOf(markdown: string): Section[] {
  const out: { title: string; lines: string[] }[] = [];
  let fence = false;
  for (const line of markdown.split('\n')) {
    if (line.startsWith('```')) fence = !fence;
    if (!fence && line.startsWith('## ')) out.push({ title: line.slice(3), lines: [] });
    else out[out.length - 1]?.lines.push(line);
  }
  return out.map(({ title, lines }) => {
    const subsections: { title: string; bash: string[] }[] = [{ title: '', bash: [] }];
    let block: string[] | undefined;
    let lang = '';
    for (const line of lines) {
      if (block === undefined && line.startsWith('### ')) subsections.push({ title: line.slice(4), bash: [] });
      else if (block === undefined && line.startsWith('```')) {
        block = [];
        lang = line.slice(3).trim();
      } else if (block !== undefined && line.startsWith('```')) {
        if (lang === 'bash') subsections[subsections.length - 1].bash.push(block.join('\n'));
        block = undefined;
      } else block?.push(line);
    }
    return { title, text: lines.join('\n'), subsections };
  });
}

/**
 * One bash line split into what matters for variables: the words outside single quotes, and the
 * text inside them (which `wait_for` evaluates later in a child shell, so only exported variables
 * reach it). Comments are dropped.
 */
function quoting(line: string): { unquoted: string; singleQuoted: string } {
  let unquoted = '';
  let singleQuoted = '';
  let state: 'plain' | 'single' | 'double' = 'plain';
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (state === 'single') {
      if (ch === "'") state = 'plain';
      else singleQuoted += ch;
      continue;
    }
    if (ch === '\\') {
      unquoted += line.slice(i, i + 2);
      i++;
      continue;
    }
    if (state === 'plain' && ch === '#' && (i === 0 || /\s/.test(line[i - 1]))) break;
    if (ch === "'" && state === 'plain') state = 'single';
    else if (ch === '"') state = state === 'double' ? 'plain' : 'double';
    else unquoted += ch;
  }
  return { unquoted, singleQuoted };
}

const NAME = '[A-Za-z_][A-Za-z0-9_]*';
const uses = (text: string) => [...text.matchAll(new RegExp(`\\$\\{?(${NAME})`, 'g'))].map((m) => m[1]);
const guards = (text: string) => [...text.matchAll(new RegExp(`\\$\\{(${NAME}):\\?`, 'g'))].map((m) => m[1]);

interface Scope {
  readonly set: Set<string>;
  readonly exported: Set<string>;
}

/** Problems of one bash block read in order in `scope` (which it extends). */
function checkBlock(code: string, scope: Scope, where: string, guardsDefine: boolean): string[] {
  const problems: string[] = [];
  for (const raw of code.split('\n')) {
    const { unquoted, singleQuoted } = quoting(raw);
    if (guardsDefine) for (const g of guards(unquoted)) scope.set.add(g);
    const loop = new RegExp(`^\\s*for\\s+(${NAME})\\s+in\\b`).exec(unquoted);
    if (loop) scope.set.add(loop[1]);
    for (const v of uses(unquoted)) if (!scope.set.has(v) && !scope.exported.has(v)) problems.push(`${where}: $${v} is used before it is set: ${raw.trim()}`);
    for (const v of uses(singleQuoted)) if (!scope.exported.has(v)) problems.push(`${where}: $${v} is read by a child shell but not exported: ${raw.trim()}`);
    const exportLine = new RegExp(`^\\s*export\\s+(.*)$`).exec(unquoted);
    if (exportLine) {
      for (const m of exportLine[1].matchAll(new RegExp(`(?:^|\\s)(${NAME})(?==|\\s|$)`, 'g'))) scope.exported.add(m[1]);
      continue;
    }
    const assignment = new RegExp(`^\\s*(?:local\\s+|readonly\\s+)?(${NAME})=`).exec(unquoted);
    if (assignment) scope.set.add(assignment[1]);
  }
  return problems;
}

/** The variables the Prerequisites table tells the operator to export. */
function prerequisiteVariables(section: Section): string[] {
  return [...section.text.matchAll(/^\| `([A-Z_][A-Z0-9_]*)` \|/gm)].map((m) => m[1]);
}

describe.each(ENVIRONMENTS)('the bootstrap README in %s', (env) => {
  it('lists the tools with versions that match the pinned platform', async () => {
    const readme = readmeOf(env);
    const m = await hydratedFixture(env);
    const image = (kind: string, name: string) => {
      const o = m.objects.get(kind === 'StatefulSet' ? 'openbao' : 'argocd')!.find((x) => x.kind === kind && x.metadata.name === name) as any;
      return String(o.spec.template.spec.containers[0].image).split(':').pop();
    };
    const prerequisites = sectionsOf(readme).find((s) => s.title === 'Prerequisites')!;
    const row = (tool: string) => prerequisites.text.split('\n').find((l) => l.startsWith(`| \`${tool}\``)) ?? '';
    expect(row('argocd')).toContain(`| ${image('Deployment', 'argocd-server')} (the server's version) |`);
    expect(row('bao')).toContain(`| ${image('StatefulSet', 'openbao')} (the server's version) |`);
    expect(row('kubectl')).toContain(`v${m.env.kubernetesVersion} `);
    expect(row('eksctl')).toMatch(/\| \d+\.\d+\.\d+ or later \|/);
    expect(row('aws')).toMatch(/\| 2\.\d+\.\d+ or later \|/);
    const check = prerequisites.subsections[0].bash.join('\n');
    expect(check).toContain('for tool in aws eksctl kubectl bao argocd; do');
    expect(check).toContain('command -v "$tool"');
  });

  it('defines every variable before a block uses it, reading the steps in order', () => {
    const sections = sectionsOf(readmeOf(env));
    const prerequisites = sections.find((s) => s.title === 'Prerequisites')!;
    const listed = prerequisiteVariables(prerequisites);
    expect(listed).toEqual(expect.arrayContaining(['GITOPS_REPO_URL', 'GITOPS_REPO_USERNAME', 'GITOPS_REPO_PASSWORD']));
    const scope: Scope = { set: new Set(), exported: new Set(listed) };
    const problems: string[] = [];
    // The bootstrap proper: the prerequisites and the numbered steps, one shell, in order.
    const steps = sections.filter((s) => s.title === 'Prerequisites' || /^\d+\. /.test(s.title));
    expect(steps.map((s) => s.title).slice(1, 3)).toEqual([expect.stringMatching(/^0\. /), expect.stringMatching(/^1\. /)]);
    for (const s of steps) for (const sub of s.subsections) for (const code of sub.bash) problems.push(...checkBlock(code, scope, `${s.title} / ${sub.title}`, false));
    // The procedures after it (rollback, teardown, each operation) each stand alone on top of the
    // prerequisites; a `${VAR:?message}` guard is how they ask for a value of their own.
    const base = { set: new Set<string>(), exported: new Set([...listed, ...prerequisitesExports(prerequisites)]) };
    for (const s of sections.filter((x) => !steps.includes(x))) {
      for (const sub of s.subsections) {
        const own: Scope = { set: new Set(base.set), exported: new Set(base.exported) };
        for (const code of sub.bash) problems.push(...checkBlock(code, own, `${s.title} / ${sub.title}`, true));
      }
    }
    expect(problems).toEqual([]);
  });

  it('numbers its steps from argocd/steps.ts, and seeds OpenBao over the public endpoint before making it private', () => {
    const readme = readmeOf(env);
    const titles = sectionsOf(readme).map((s) => s.title);
    expect(titles).toContain(`${stepNumber('seedOpenBao')}. Seed OpenBao while Argo CD syncs`);
    expect(titles).toContain(`${stepNumber('bootstrapSecrets')}. Secrets Argo CD cannot deliver yet`);
    const numbered = titles.filter((t) => /^\d+\. /.test(t)).map((t) => Number(t.split('.')[0]));
    expect(numbered).toEqual([...numbered].sort((a, b) => a - b));
    const privateOnly = fixtureEnvironment(env).env.privateEndpointOnly;
    if (privateOnly) {
      expect(titles).toContain(`${stepNumber('privateEndpoint')}. Lock the API endpoint to private-only`);
      expect(readme.indexOf('--public-access=false')).toBeGreaterThan(readme.indexOf('bao kv put'));
      expect(stepNumber('privateEndpoint')).toBeGreaterThan(stepNumber('seedOpenBao'));
    } else {
      expect(readme).not.toContain('--public-access=false');
    }
    // The seeding step waits for OpenBao, tells how long the ExternalSecrets wait, and waits for every wave.
    const seeding = sectionsOf(readme).find((s) => s.title.startsWith(`${stepNumber('seedOpenBao')}. `))!;
    expect(seeding.text).toContain(`"openbao Application Healthy"`);
    expect(seeding.text).toContain(`(${OPENBAO_SEEDING_GATE_SECONDS}s after they were created)`);
    expect(seeding.text).toContain('"every Application Healthy"');
  });

  it('says how to reach the Argo CD UI and how to log in: through SSO where it is configured, else with the initial admin password', () => {
    const argocd = sectionsOf(readmeOf(env)).find((s) => s.title.startsWith(`${stepNumber('argocd')}. `))!;
    expect(argocd.text).toContain('kubectl -n argocd port-forward svc/argocd-server 8080:443');
    expect(argocd.text).toContain('argocd-initial-admin-secret');
    if (fixtureEnvironment(env).env.argocd.sso) {
      expect(argocd.text).toContain('argocd login --sso');
      expect(argocd.text).not.toContain('argocd login --username admin');
    } else {
      expect(argocd.text).toContain('argocd login --username admin --password "$(argocd admin initial-password -n argocd | head -n 1)"');
    }
  });

  it('rolls back with a git revert, or switches automated sync off (root first) before argocd app rollback', () => {
    const rollback = sectionsOf(readmeOf(env)).find((s) => s.title === 'Rollback')!.text;
    expect(rollback).toContain('git revert');
    const order = [
      `kubectl -n argocd patch application root --type merge -p '{"spec":{"syncPolicy":{"automated":null}}}'`,
      'argocd app set "$APP" --sync-policy none',
      'argocd app rollback "$APP"',
      `kubectl apply -f dist/${env}/bootstrap/root-app.yaml`,
    ].map((s) => rollback.indexOf(s));
    expect(order.every((p) => p >= 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
  });

  it('tears down in reverse: root auto-sync off, the Applications last wave first, the volumes, then the cluster', () => {
    const model = fixtureEnvironment(env);
    const sections = sectionsOf(readmeOf(env));
    const titles = sections.map((s) => s.title);
    expect(titles.indexOf('Teardown')).toBeGreaterThan(titles.indexOf('Rollback'));
    const teardown = sections.find((s) => s.title === 'Teardown')!.text;
    const deletions = [...teardown.matchAll(/^kubectl -n argocd delete application (.+) --timeout=\d+s {3}# wave (\d+)$/gm)].map((m) => ({ ids: m[1].split(' '), wave: Number(m[2]) }));
    expect(deletions.map((d) => d.wave)).toEqual([...deletions.map((d) => d.wave)].sort((a, b) => b - a));
    for (const d of deletions) for (const id of d.ids) expect({ id, wave: model.graph.waves.get(id) }).toEqual({ id, wave: d.wave });
    const deleted = deletions.flatMap((d) => d.ids).sort();
    const expected = model.components.filter((c) => c.workflow !== Workflow.Foundation && c.id !== 'argocd').map((c) => c.id).sort();
    expect(deleted).toEqual(expected);
    const at = (s: string) => teardown.indexOf(s);
    expect(at('"automated":null')).toBeLessThan(at('delete application'));
    expect(at('kubectl delete pvc --all --all-namespaces')).toBeGreaterThan(teardown.lastIndexOf('delete application'));
    expect(at(`eksctl delete cluster -f dist/${env}/eksctl/cluster.yaml`)).toBeGreaterThan(at('kubectl delete pvc'));
    if (model.env.privateEndpointOnly) expect(at(`eksctl utils update-cluster-vpc-config -f dist/${env}/eksctl/cluster.yaml`)).toBeLessThan(at('delete application'));
  });
});

/** Variables the prerequisites block exports (the helper block every step runs after). */
function prerequisitesExports(section: Section): string[] {
  const scope: Scope = { set: new Set(), exported: new Set() };
  for (const code of section.subsections.flatMap((s) => s.bash)) checkBlock(code, scope, 'prerequisites', false);
  return [...scope.exported];
}

describe('the README helpers', () => {
  it('catches a variable used before it is set, and one a child shell cannot see', () => {
    const scope: Scope = { set: new Set(), exported: new Set() };
    expect(checkBlock('echo "$LATER"\nLATER=1\necho "$LATER"', scope, 'b', false)).toEqual(['b: $LATER is used before it is set: echo "$LATER"']);
    expect(checkBlock("X=1\nwait_for 1 1 \"x\" 'test \"$X\" = 1'", { set: new Set(), exported: new Set() }, 'b', false)).toEqual([
      `b: $X is read by a child shell but not exported: wait_for 1 1 "x" 'test "$X" = 1'`,
    ]);
    expect(checkBlock('for svc in a b; do echo "$svc"; done\nexport A=1 B\necho "$A$B"', { set: new Set(), exported: new Set() }, 'b', false)).toEqual([]);
  });

  it('computes the same waves as the environment graph', () => {
    const model = fixtureEnvironment('prod');
    const plan = wavePlan(model.components);
    for (const c of model.components) expect({ id: c.id, wave: plan.waves.get(c.id) }).toEqual({ id: c.id, wave: model.graph.waves.get(c.id) });
  });

  it('refuses two versions of one image, and a tree without a rendered Argo CD', () => {
    const deployment = (tag: string) => `kind: Deployment\nspec:\n  template:\n    spec:\n      containers:\n        - image: quay.io/argoproj/argocd:${tag}\n`;
    const tree: FileTree = new Map([
      ['prod/manifests/argocd/deployment-argocd-server.yaml', deployment('v3.4.4')],
      ['prod/manifests/argocd/deployment-argocd-repo-server.yaml', deployment('v3.4.5')],
    ]);
    expect(() => renderedImageTag(tree, 'prod', 'argocd')).toThrow('bootstrap: the rendered workloads run argocd at v3.4.4 and v3.4.5; one version is expected');
    expect(renderedImageTag(new Map([['prod/manifests/argocd/deployment-a.yaml', deployment('v3.4.4')]]), 'prod', 'argocd')).toBe('v3.4.4');
    expect(() => bootstrapTools(fixtureEnvironment('prod').env, new Map(), 'prod')).toThrow(/no rendered workload runs the argocd image under prod\/manifests\/; render the manifests before the bootstrap README/);
  });
});
