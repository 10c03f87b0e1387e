/**
 * A Rollout whose pod template is written with the Kubernetes types (k8s.PodTemplateSpec), like
 * every other workload here.
 *
 * The generated RolloutSpecTemplate (imports/argoproj.io.ts) re-declares the whole PodSpec under
 * its own class names, with its own IntOrString wrappers and TypeScript names that differ from the
 * JSON ones (`hostIpc` for `hostIPC`), so the pod spec the microservice builds with the Kubernetes
 * types cannot be passed to it. Everything else goes through the generated props; the template is
 * rendered by k8s.toJson_PodTemplateSpec after the generated toJson, which would drop what it
 * cannot map.
 */
import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { Rollout, RolloutProps, RolloutSpec } from '../imports/argoproj.io';

export interface PodTemplateRolloutProps extends Omit<RolloutProps, 'spec'> {
  readonly spec: Omit<RolloutSpec, 'template'> & { readonly template: k8s.PodTemplateSpec };
}

export class PodTemplateRollout extends Rollout {
  private readonly podTemplate: k8s.PodTemplateSpec;

  constructor(scope: Construct, id: string, props: PodTemplateRolloutProps) {
    const { template, ...spec } = props.spec;
    super(scope, id, { ...props, spec });
    this.podTemplate = template;
  }

  override toJson(): any {
    const json = super.toJson();
    return { ...json, spec: { ...json.spec, template: k8s.toJson_PodTemplateSpec(this.podTemplate) } };
  }
}
