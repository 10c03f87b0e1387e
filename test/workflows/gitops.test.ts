import * as yaml from 'js-yaml';
import { CHARTS } from '../../config/versions';
import { HelmSource, Workflow } from '../../lib/component';
import { podTotal, WorkloadKind } from '../../lib/resources';
import { componentWorkloads } from '../../lib/workloads';
import { FileTree } from '../../lib/output';
import { argoCd, tekton } from '../../workflows/gitops';
import { DEFAULTS as TEKTON_OPERATOR, satisfiesMinimum } from '../../charts/tekton-operator';
import { publicHostname } from '../../workflows/apps';
import { NAMESPACES, NS } from '../../workflows/namespaces';
import { component, ENVIRONMENTS, helmValues, hydratedFixture, renderedFixture, fixtureEnvironment } from '../support';

jest.setTimeout(120_000);

describe('GitOps workflow', () => {
  describe.each(ENVIRONMENTS)('%s', (env) => {
    const model = fixtureEnvironment(env);
    let tree: FileTree = new Map();
    beforeAll(async () => {
      tree = await renderedFixture(env);
    });
    const file = (p: string): any => {
      const text = tree.get(`${env}/${p}`);
      if (text === undefined) throw new Error(`not rendered: ${env}/${p}`);
      return yaml.load(text);
    };

    it('self-manages Argo CD from exactly the manifests the bootstrap applies, so adoption is diff-free', () => {
      const app = file('apps/application-argocd.yaml');
      expect(app.spec.source.path).toBe(`dist/${env}/manifests/argocd`);
      expect(app.metadata.annotations[fixtureEnvironment(env).env.labelDomain.source]).toBe(`helm:${CHARTS.argocd.chart}@${CHARTS.argocd.version}`);
      expect(tree.get(`${env}/bootstrap/README.md`)).toContain(`kubectl apply --server-side --field-manager=bootstrap -f dist/${env}/manifests/argocd/`);
      expect(file('manifests/argocd/deployment-argocd-server.yaml').metadata.namespace).toBe(NS.argocd);
    });

    it('has the bootstrap README create the repository Secret from the operator environment', () => {
      const readme = tree.get(`${env}/bootstrap/README.md`)!;
      expect(readme).toContain('kubectl -n argocd create secret generic gitops-repo');
      expect(readme).toContain('--from-literal=password="$GITOPS_REPO_PASSWORD"');
      expect(readme).toContain('argocd.argoproj.io/secret-type=repository');
    });

    it('orders Argo CD and the Tekton operator before the TektonConfig, all after workflows 1-3', () => {
      const w = model.graph.waves;
      const last123 = Math.max(...model.components.filter((c) => [Workflow.Foundation, Workflow.Ingress, Workflow.Observability].includes(c.workflow)).map((c) => w.get(c.id)!));
      expect(w.get('argocd')!).toBeGreaterThan(last123);
      expect(w.get('tekton-operator')!).toBeGreaterThan(last123);
      expect(w.get('tekton-config')!).toBeGreaterThan(w.get('tekton-operator')!);
    });
  });

  it('puts the Tekton operator in its own restricted namespace, apart from Argo CD, and the Pipelines components and CI in tekton-pipelines', () => {
    const m = fixtureEnvironment('prod');
    expect(component(m, 'argocd').namespace).toBe(NS.argocd);
    expect(component(m, 'tekton-operator').namespace).toBe(NS.tektonOperator);
    expect(NS.tektonOperator).not.toBe(NS.argocd);
    expect(NAMESPACES[NS.tektonOperator].podSecurity).toBe('restricted');
    expect(component(m, 'tekton-config').namespace).toBe(NS.tektonPipelines);
    // The CI namespace is the named privileged exception for rootless BuildKit's Unconfined seccomp; Argo CD's stays restricted.
    expect(NAMESPACES[NS.tektonPipelines].podSecurity).toBe('privileged');
    expect(NAMESPACES[NS.tektonPipelines].reason).toMatch(/seccomp/);
    expect(NAMESPACES[NS.argocd].podSecurity).toBe('restricted');
  });

  it('keeps Argo CD plus Tekton within the seed GitOps budget in prod (~1 CPU / ~2 Gi)', async () => {
    const m = await hydratedFixture('prod');
    const ctx = { env: m.env, services: m.config.services };
    let cpu = 0;
    let mib = 0;
    for (const c of [argoCd(ctx), ...tekton(ctx)]) {
      for (const w of componentWorkloads(m, c.id).filter((x) => x.kind !== WorkloadKind.Job)) {
        const t = podTotal(w, 'requests');
        cpu += t.cpu.millicores * w.replicas;
        mib += t.memory.mebibytes * w.replicas;
      }
    }
    expect(cpu).toBeLessThanOrEqual(1000);
    expect(mib).toBeLessThanOrEqual(2048);
  });

  it('builds the bootstrap values from the same component the argocd Application uses', () => {
    const m = fixtureEnvironment('staging');
    const fromWorkflow = argoCd({ env: m.env, services: m.config.services }).source as HelmSource;
    expect((component(m, 'argocd').source as HelmSource).values).toEqual(fromWorkflow.values);
  });

  it.each(ENVIRONMENTS)('%s: runs Argo Rollouts in Argo CD namespace, in a wave before every service whose Rollout it runs', (env) => {
    const m = fixtureEnvironment(env);
    const c = component(m, 'argo-rollouts');
    expect(c.workflow).toBe(Workflow.GitOps);
    expect(c.namespace).toBe(NS.argocd);
    for (const s of m.config.services) expect(m.graph.waves.get('argo-rollouts')!).toBeLessThan(m.graph.waves.get(s.name)!);
  });

  it('runs the Argo Rollouts controller with the replicas and resources of its values, replicated only where the tier is highly available', async () => {
    for (const env of ENVIRONMENTS) {
      const h = await hydratedFixture(env);
      const v = helmValues(h, 'argo-rollouts');
      const w = componentWorkloads(h, 'argo-rollouts').find((x) => x.name === 'argo-rollouts')!;
      expect({ env, replicas: w.replicas }).toEqual({ env, replicas: h.env.highAvailability ? 2 : 1 });
      expect(w.containers[0].resources.toK8s()).toEqual(v.controller.resources);
    }
  });

  it("installs the Tekton operator only on clusters that meet its minimum Kubernetes version, after the monitoring CRDs", () => {
    for (const env of ENVIRONMENTS) {
      const m = fixtureEnvironment(env);
      expect(satisfiesMinimum(m.env.kubernetesVersion, TEKTON_OPERATOR.kubernetesMinVersion)).toBe(true);
      expect(m.graph.waves.get('tekton-operator')!).toBeGreaterThan(m.graph.waves.get('prometheus-operator-crds')!);
    }
  });

  it('has the k6 operator in staging only, in the load-test namespace', () => {
    expect(component(fixtureEnvironment('staging'), 'k6-operator').namespace).toBe(NS.loadTests);
    for (const env of ENVIRONMENTS.filter((e) => e !== 'staging')) expect(fixtureEnvironment(env).components.some((x) => x.id === 'k6-operator')).toBe(false);
  });

  it('renders one TestRun per public service of staging, at its public URL, under staging/loadtests and outside every synced path', async () => {
    const m = fixtureEnvironment('staging');
    const tree = await renderedFixture('staging');
    const publicServices = m.config.services.filter((s) => s.public);
    const runs = [...tree.keys()].filter((f) => f.startsWith('staging/loadtests/testrun-')).sort();
    expect(runs).toEqual(publicServices.map((s) => `staging/loadtests/testrun-load-${s.name}.yaml`).sort());
    for (const s of publicServices) {
      const run = yaml.load(tree.get(`staging/loadtests/testrun-load-${s.name}.yaml`)!) as any;
      expect(run.spec.runner.env).toContainEqual({ name: 'TARGET_URL', value: `https://${publicHostname({ env: m.env, services: m.config.services }, s)}${s.healthPath}` });
    }
    expect([...tree.keys()].some((f) => f.includes('/manifests/') && /\/testrun-/.test(f))).toBe(false);
    const apps = [...tree.entries()].filter(([f]) => f.startsWith('staging/apps/')).map(([, text]) => text).join('\n');
    expect(apps).not.toContain('loadtests');
    expect([...(await renderedFixture('prod')).keys()].some((f) => f.includes('loadtests'))).toBe(false);
  });

  it('reads the CI Secrets only after external-secrets-config delivers them', () => {
    for (const env of ENVIRONMENTS) {
      const m = fixtureEnvironment(env);
      expect(component(m, 'tekton-config').dependsOn).toContain('external-secrets-config');
      expect(m.graph.waves.get('tekton-config')!).toBeGreaterThan(m.graph.waves.get('external-secrets-config')!);
    }
  });
});
