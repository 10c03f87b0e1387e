/**
 * The one builder of Helm components: every chart under charts/ that installs an upstream Helm
 * chart states its id, workflow, namespace, dependencies and typed values (from its values.ts)
 * and gets its Component here, instead of repeating the `source: helm(...)` assembly.
 */
import type { PlatformComponentId } from '../config/ids';
import { ChartPin } from '../config/versions';
import { helm, HelmSource, IgnoredDifference, PlatformComponent } from './component';
import { Resources } from './resources';

/** Props every chart running one controller (an operator, a plugin, metrics-server) shares. */
export interface ControllerProps {
  readonly namespace: string;
  /** @default the chart's DEFAULTS.resources */
  readonly resources?: Resources;
}

export interface HelmComponentProps<V extends object> extends Omit<PlatformComponent, 'source' | 'id'> {
  readonly id: PlatformComponentId;
  /** The pinned chart: always an entry of CHARTS (config/versions.ts). */
  readonly chart: ChartPin;
  /** The chart's values, typed by the chart's values.ts. */
  readonly values: V;
  /** Helm release name. @default the component id */
  readonly releaseName?: string;
  readonly postRender?: HelmSource['postRender'];
}

export function helmComponent<V extends object>(props: HelmComponentProps<V>): PlatformComponent {
  const { chart, values, releaseName, postRender, ...component } = props;
  return { ...component, source: helm(chart, values, releaseName, postRender) };
}

/**
 * Operators that generate their own webhook certificate patch its CA bundle into their webhook
 * configurations after apply: Argo CD must not treat that as drift.
 */
export const WEBHOOK_CA_BUNDLE_DIFFERENCES: readonly IgnoredDifference[] = [
  { group: 'admissionregistration.k8s.io', kind: 'MutatingWebhookConfiguration', jqPathExpressions: ['.webhooks[]?.clientConfig.caBundle'] },
  { group: 'admissionregistration.k8s.io', kind: 'ValidatingWebhookConfiguration', jqPathExpressions: ['.webhooks[]?.clientConfig.caBundle'] },
];
