/**
 * The tier policy: how many replicas a component runs, how its pods spread over zones and which
 * size it gets, decided once per environment (config/defaults.ts builds it into
 * `EnvironmentSettings.tierPolicy`) and applied by every chart and workflow through this one type.
 *
 * Zone spread, decided deliberately:
 * - dev (one replica of everything): no spread constraint.
 * - prod: every zone has its own spot node group (eksctl/node-groups.ts), so the cluster
 *   autoscaler can add a node in the exact zone a Pending pod needs. Replicated stores and services
 *   spread as a hard rule (`DoNotSchedule`): losing a zone never takes a quorum or all replicas.
 * - staging: one spot group spans the zones, and the autoscaler cannot choose the zone a new node
 *   lands in, so a hard rule can leave a pod Pending for good (an EBS volume then pins it to its
 *   zone). Every replicated component prefers the spread (`ScheduleAnyway`) instead. Staging
 *   mirrors prod's configuration, not its zone guarantees.
 * Platform controllers that hold no data (Argo CD, emissary, istiod) always prefer the spread:
 * a replica on a crowded zone beats one that never starts.
 */
import type { k8s } from 'cdk8s-plus-28';

/** The tiers of the seed's "Environment-Specific Considerations" (config/schema.ts `TIERS`). */
export type TierName = 'dev' | 'staging' | 'prod';

/** How replicated pods spread over availability zones. */
export enum ZoneSpread {
  /** Single-zone friendly (dev): no constraint. */
  None = 'None',
  /** Spread, but schedule anyway when a zone has no room (the autoscaler cannot pick a zone). */
  Preferred = 'Preferred',
  /** Never put more than one extra replica in a zone (one node group per zone lets the autoscaler add one there). */
  Required = 'Required',
}

export type WhenUnsatisfiable = 'DoNotSchedule' | 'ScheduleAnyway';

/** A topology spread constraint as Helm charts and operator CRDs take it (the k8s shape, plain strings). */
export interface ZoneSpreadConstraint {
  readonly maxSkew: number;
  readonly topologyKey: string;
  readonly whenUnsatisfiable: WhenUnsatisfiable;
  readonly labelSelector: { readonly matchLabels: Readonly<Record<string, string>> };
}

export const ZONE_TOPOLOGY_KEY = 'topology.kubernetes.io/zone';

export interface TierPolicyProps {
  readonly tier: TierName;
  readonly highAvailability: boolean;
  /** Whether every zone has its own node group the autoscaler can grow (prod). */
  readonly nodeGroupPerZone: boolean;
}

export class TierPolicy {
  static of(props: TierPolicyProps): TierPolicy {
    const zoneSpread = !props.highAvailability ? ZoneSpread.None : props.nodeGroupPerZone ? ZoneSpread.Required : ZoneSpread.Preferred;
    return new TierPolicy(props.tier, props.highAvailability, zoneSpread);
  }

  private constructor(
    readonly tier: TierName,
    /** Replicated control planes, quorums and PodDisruptionBudgets (staging, prod); one of each otherwise. */
    readonly highAvailability: boolean,
    /** How replicated stores and services spread over zones (see the module comment). */
    readonly zoneSpread: ZoneSpread,
  ) {}

  /** `highlyAvailable` replicas where the tier is highly available, `single` otherwise. */
  replicas(highlyAvailable: number, single = 1): number {
    if (!Number.isInteger(highlyAvailable) || highlyAvailable < 1) throw new Error(`replicas must be a positive whole number, got ${highlyAvailable}`);
    return this.highAvailability ? highlyAvailable : single;
  }

  /** The value for this tier. */
  sized<T>(byTier: Readonly<Record<TierName, T>>): T {
    return byTier[this.tier];
  }

  /**
   * The zone rule for a workload: `DoNotSchedule` or `ScheduleAnyway` from the tier's zone spread,
   * always `ScheduleAnyway` for a stateless controller; undefined where nothing spreads (dev).
   */
  whenUnsatisfiable(workload: 'replicated' | 'controller' = 'replicated'): WhenUnsatisfiable | undefined {
    if (this.zoneSpread === ZoneSpread.None) return undefined;
    return workload === 'replicated' && this.zoneSpread === ZoneSpread.Required ? 'DoNotSchedule' : 'ScheduleAnyway';
  }

  /** One zone spread constraint (maxSkew 1) selecting `matchLabels`, or none where nothing spreads. */
  zoneSpreadConstraints(matchLabels: Readonly<Record<string, string>>, workload: 'replicated' | 'controller' = 'replicated'): ZoneSpreadConstraint[] {
    const when = this.whenUnsatisfiable(workload);
    return when ? [{ maxSkew: 1, topologyKey: ZONE_TOPOLOGY_KEY, whenUnsatisfiable: when, labelSelector: { matchLabels } }] : [];
  }

  /** The same as cdk8s-plus-28's typed `k8s.TopologySpreadConstraint`, for objects we author. */
  k8sZoneSpreadConstraints(matchLabels: Readonly<Record<string, string>>, workload: 'replicated' | 'controller' = 'replicated'): k8s.TopologySpreadConstraint[] {
    return this.zoneSpreadConstraints(matchLabels, workload).map((c) => ({ ...c, labelSelector: { matchLabels: { ...c.labelSelector.matchLabels } } }));
  }
}
