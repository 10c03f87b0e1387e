/**
 * Emissary-ingress `Mapping` (getambassador.io/v3alpha1), limited to the fields we use. Checked
 * against crds/getambassador.io/mapping_v3alpha1.json. (The ingress workflow's Host and Listener
 * kinds live in imports/getambassador.ts.)
 */
import { ApiObject, ApiObjectMetadata } from 'cdk8s';
import { Construct } from 'constructs';

export interface MappingSpec {
  /** DNS glob of the hosts the Mapping serves; it attaches to the Host whose hostname matches. */
  readonly hostname: string;
  readonly prefix: string;
  /** `name.namespace:port` of the upstream Service. */
  readonly service: string;
  readonly timeout_ms?: number;
}

export class Mapping extends ApiObject {
  static readonly GVK = { apiVersion: 'getambassador.io/v3alpha1', kind: 'Mapping' } as const;
  constructor(scope: Construct, id: string, props: { readonly metadata: ApiObjectMetadata; readonly spec: MappingSpec }) {
    super(scope, id, { ...Mapping.GVK, metadata: props.metadata, spec: props.spec });
  }
}
