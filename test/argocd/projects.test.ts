/**
 * Only the root project creates Applications and AppProjects (issue 10, point 2): a workflow
 * project allowed them could create an Application in any project, or widen its own, and escape.
 */
import * as yaml from 'js-yaml';
import { ARGOCD_NAMESPACE, projectSpec, ROOT_ONLY_KINDS } from '../../argocd/applications';
import { ROOT_PROJECT } from '../../argocd/bootstrap';
import { Workflow } from '../../lib/component';
import { FileTree } from '../../lib/output';
import { ENVIRONMENTS, renderedFixture } from '../support';

jest.setTimeout(120_000);

const kindsOf = (list: { group: string; kind: string }[] | undefined): string[] => (list ?? []).map((k) => `${k.group}/${k.kind}`);
const target = { repoURL: 'https://git.example.com/gitops.git', targetRevision: 'main', envPath: 'dist/prod' };

describe.each(ENVIRONMENTS)('%s: AppProjects', (env) => {
  let tree: FileTree;
  let projects: any[];
  beforeAll(async () => {
    tree = await renderedFixture(env);
    projects = [...tree.keys()].filter((f) => f.startsWith(`${env}/apps/appproject-`)).map((f) => yaml.load(tree.get(f)!) as any);
  });

  it('renders one AppProject per workflow, none of them the root project', () => {
    expect(projects.length).toBeGreaterThan(3);
    for (const p of projects) expect(p.metadata.name).not.toBe(ROOT_PROJECT);
  });

  it('no workflow project allows Applications, AppProjects or ApplicationSets, nor any kind by wildcard', () => {
    const found: string[] = [];
    for (const p of projects) {
      // Without a namespaceResourceWhitelist a project allows every namespaced kind.
      expect({ project: p.metadata.name, hasNamespaceWhitelist: Array.isArray(p.spec.namespaceResourceWhitelist) }).toEqual({ project: p.metadata.name, hasNamespaceWhitelist: true });
      for (const k of [...kindsOf(p.spec.clusterResourceWhitelist), ...kindsOf(p.spec.namespaceResourceWhitelist)]) {
        if (ROOT_ONLY_KINDS.includes(k) || k.split('/').includes('*')) found.push(`${p.metadata.name}: ${k}`);
      }
    }
    expect(found).toEqual([]);
  });

  it('only the root project allows them, and only in the argocd namespace', () => {
    const root = yaml.load(tree.get(`${env}/bootstrap/root-project.yaml`)!) as any;
    expect(root.metadata.name).toBe(ROOT_PROJECT);
    expect(kindsOf(root.spec.namespaceResourceWhitelist).sort()).toEqual(['argoproj.io/AppProject', 'argoproj.io/Application']);
    expect(root.spec.clusterResourceWhitelist).toEqual([]);
    expect(root.spec.destinations.map((d: any) => d.namespace)).toEqual([ARGOCD_NAMESPACE]);
  });
});

describe('projectSpec', () => {
  it('refuses a workflow project whose components would render an Application or AppProject', () => {
    for (const kind of ROOT_ONLY_KINDS) {
      expect(() => projectSpec(Workflow.GitOps, { namespaces: [ARGOCD_NAMESPACE], clusterResources: [], namespaceResources: ['/ConfigMap', kind] }, target)).toThrow(
        new RegExp(`AppProject gitops: its components render ${kind}; only the root project creates Applications and AppProjects`),
      );
    }
  });

  it('refuses a project with the argocd namespace as a destination and no namespaced-kind whitelist', () => {
    expect(() => projectSpec(Workflow.GitOps, { namespaces: [ARGOCD_NAMESPACE], clusterResources: [] }, target)).toThrow(/no namespaceResources for a project whose destinations include argocd/);
    expect(projectSpec(Workflow.GitOps, { namespaces: [ARGOCD_NAMESPACE], clusterResources: [], namespaceResources: ['/ConfigMap'] }, target).namespaceResourceWhitelist).toEqual([{ group: '', kind: 'ConfigMap' }]);
  });
});
