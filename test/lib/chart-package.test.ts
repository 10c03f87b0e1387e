import * as yaml from 'js-yaml';
import { vendoredChartFiles } from '../../lib/helm/chart-package';
import { CHARTS } from '../../config/versions';
import { ROOT } from '../support';

describe('vendoredChartFiles', () => {
  it("reads a pinned chart's own files from its vendored package", () => {
    const { chart, version } = CHARTS.kubePrometheusStack;
    const files = vendoredChartFiles(ROOT, chart, version);
    const meta = yaml.load(files.get('Chart.yaml')!.toString('utf8')) as { name: string; version: string };
    expect([meta.name, String(meta.version)]).toEqual([chart, version]);
    expect(files.get('values.yaml')!.length).toBeGreaterThan(1000);
  });

  it('finds a subchart inside the package that carries it, by name and version', () => {
    const parent = vendoredChartFiles(ROOT, CHARTS.kubePrometheusStack.chart, CHARTS.kubePrometheusStack.version);
    const sub = [...parent.keys()].map((p) => /^charts\/(kube-state-metrics)\/Chart\.yaml$/.exec(p)).find(Boolean);
    const subVersion = sub
      ? String((yaml.load(parent.get('charts/kube-state-metrics/Chart.yaml')!.toString('utf8')) as { version: string }).version)
      : undefined;
    expect(subVersion).toBeDefined();
    expect(vendoredChartFiles(ROOT, 'kube-state-metrics', subVersion!).get('values.yaml')).toBeDefined();
  });

  it('names the chart and where it looked when nothing carries it', () => {
    expect(() => vendoredChartFiles(ROOT, 'no-such-chart', '0.0.1')).toThrow('chart no-such-chart 0.0.1: no package vendor/charts/no-such-chart-0.0.1.tgz and no such subchart in any vendored package');
  });
});
