/**
 * Typed L1 constructs for the Gatekeeper resources we emit, limited to the fields we use:
 * constraints (constraints.gatekeeper.sh/v1beta1; one CRD per ConstraintTemplate, so the kind is a
 * parameter) and the singleton `Config` (config.gatekeeper.sh/v1alpha1). Checked against
 * crds/constraints.gatekeeper.sh/<kind>_v1beta1.json and crds/config.gatekeeper.sh/config_v1alpha1.json.
 */
import { ApiObject, ApiObjectMetadata } from 'cdk8s';
import { Construct } from 'constructs';

export const CONSTRAINTS_API_GROUP = 'constraints.gatekeeper.sh';
export const CONSTRAINTS_API_VERSION = `${CONSTRAINTS_API_GROUP}/v1beta1`;

/**
 * `deny` rejects at admission; `warn` admits with a warning; `dryrun` only records the violation
 * in the constraint's audit status. Audit reports violations for all three.
 */
export type EnforcementAction = 'deny' | 'warn' | 'dryrun';

export interface ConstraintKinds {
  readonly apiGroups: readonly string[];
  readonly kinds: readonly string[];
}

export interface ConstraintMatch {
  readonly kinds: readonly ConstraintKinds[];
  readonly scope?: 'Namespaced' | 'Cluster' | '*';
  /** Only these namespaces. */
  readonly namespaces?: readonly string[];
  /** Every namespace but these. */
  readonly excludedNamespaces?: readonly string[];
}

export interface ConstraintSpec {
  readonly enforcementAction: EnforcementAction;
  readonly match: ConstraintMatch;
  /** Shaped by the template's `spec.crd.spec.validation.openAPIV3Schema`; absent for templates without parameters. */
  readonly parameters?: object;
}

/** A constraint of the kind its ConstraintTemplate names (`spec.crd.spec.names.kind`). */
export class Constraint extends ApiObject {
  constructor(scope: Construct, id: string, props: { readonly kind: string; readonly metadata: ApiObjectMetadata; readonly spec: ConstraintSpec }) {
    super(scope, id, { apiVersion: CONSTRAINTS_API_VERSION, kind: props.kind, metadata: props.metadata, spec: props.spec });
  }
}

/** Gatekeeper processes a Config `match` entry can exclude namespaces from. */
export type GatekeeperProcess = 'audit' | 'webhook' | 'sync' | 'mutation-webhook' | '*';

export interface GatekeeperConfigSpec {
  readonly match: readonly { readonly excludedNamespaces: readonly string[]; readonly processes: readonly GatekeeperProcess[] }[];
}

/** Gatekeeper reads exactly one Config, named `config`, in its own namespace. */
export class GatekeeperConfig extends ApiObject {
  static readonly GVK = { apiVersion: 'config.gatekeeper.sh/v1alpha1', kind: 'Config' } as const;
  static readonly NAME = 'config';
  constructor(scope: Construct, id: string, props: { readonly metadata: Omit<ApiObjectMetadata, 'name'>; readonly spec: GatekeeperConfigSpec }) {
    super(scope, id, { ...GatekeeperConfig.GVK, metadata: { ...props.metadata, name: GatekeeperConfig.NAME }, spec: props.spec });
  }
}
