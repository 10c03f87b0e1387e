/**
 * Renders a native component's cdk8s charts to plain objects and file names.
 */
import { App, Chart } from 'cdk8s';
import { ManifestSource } from './component';

export interface K8sObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { readonly name: string; readonly namespace?: string; readonly [k: string]: unknown };
  readonly [k: string]: unknown;
}

export function synthObjects(source: ManifestSource): K8sObject[] {
  const app = new App({ outdir: '/nonexistent' });
  source.build(app);
  const charts = app.node.children.filter((c): c is Chart => Chart.isChart(c));
  // Namespaces are placed by hydration (lib/hydrate.ts placeObjects), which knows every kind's
  // scope from the CRDs the environment renders.
  return charts.flatMap((chart) => chart.toJson() as K8sObject[]);
}

/**
 * `<kind>-<name>.yaml`; where two objects of one kind share a name (in different namespaces),
 * `<kind>-<namespace>-<name>.yaml` for each of them.
 */
export function fileNames(objects: readonly K8sObject[]): string[] {
  const key = (o: K8sObject) => `${o.kind.toLowerCase()}-${o.metadata.name}`;
  const counts = new Map<string, number>();
  for (const o of objects) counts.set(key(o), (counts.get(key(o)) ?? 0) + 1);
  const names = objects.map((o) =>
    (counts.get(key(o)) ?? 0) > 1 ? `${o.kind.toLowerCase()}-${o.metadata.namespace ?? 'cluster'}-${o.metadata.name}.yaml` : `${key(o)}.yaml`,
  );
  const dup = names.find((n, i) => names.indexOf(n) !== i);
  if (dup) throw new Error(`two objects render to the same file ${dup}; give them distinct names`);
  return names;
}
