/**
 * Typed CPU and memory quantities, container resource requirements and workloads.
 *
 * A component passes these objects into its Helm values or native specs; the capacity plan and
 * platform-base's quotas read the workloads back from the rendered objects (lib/workloads.ts), so
 * both count exactly what the manifests ask for.
 */

/** A CPU quantity, held in millicores. */
import { k8s } from 'cdk8s-plus-28';

export class Cpu {
  static millis(m: number): Cpu {
    if (!Number.isInteger(m) || m < 0) throw new Error(`CPU must be a non-negative whole number of millicores, got ${m}`);
    return new Cpu(m);
  }
  static cores(c: number): Cpu {
    return Cpu.millis(Math.round(c * 1000));
  }
  /** Parses a Kubernetes CPU quantity such as `250m`, `1` or `1.5`. */
  static parse(q: string): Cpu {
    const m = /^(\d+(?:\.\d+)?)(m?)$/.exec(q.trim());
    if (!m) throw new Error(`not a CPU quantity: "${q}" (expected e.g. 250m or 1.5)`);
    return m[2] === 'm' ? Cpu.millis(Number(m[1])) : Cpu.cores(Number(m[1]));
  }
  private constructor(readonly millicores: number) {}
  plus(o: Cpu): Cpu {
    return new Cpu(this.millicores + o.millicores);
  }
  times(n: number): Cpu {
    return new Cpu(Math.round(this.millicores * n));
  }
  /** Kubernetes form: whole cores as `2`, otherwise millicores as `250m`. */
  toString(): string {
    return this.millicores % 1000 === 0 ? String(this.millicores / 1000) : `${this.millicores}m`;
  }
  toJSON(): string {
    return this.toString();
  }
}

const MI = 1024 * 1024;

/** A memory quantity, held in bytes. */
export class Memory {
  static mebibytes(n: number): Memory {
    if (!Number.isInteger(n) || n < 0) throw new Error(`memory must be a non-negative whole number of MiB, got ${n}`);
    return new Memory(n * MI);
  }
  static gibibytes(n: number): Memory {
    return Memory.mebibytes(Math.round(n * 1024));
  }
  /** Parses `512Mi`, `2Gi`, `1Ti`, `128974848` (bytes), `129M`, `1G`. */
  static parse(q: string): Memory {
    const m = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi|Ti|K|M|G|T)?$/.exec(q.trim());
    if (!m) throw new Error(`not a memory quantity: "${q}" (expected e.g. 512Mi or 2Gi)`);
    const factor: Record<string, number> = { '': 1, Ki: 1024, Mi: MI, Gi: MI * 1024, Ti: MI * MI, K: 1e3, M: 1e6, G: 1e9, T: 1e12 };
    return new Memory(Math.round(Number(m[1]) * factor[m[2] ?? '']));
  }
  private constructor(readonly bytes: number) {}
  get mebibytes(): number {
    return this.bytes / MI;
  }
  plus(o: Memory): Memory {
    return new Memory(this.bytes + o.bytes);
  }
  times(n: number): Memory {
    return new Memory(Math.round(this.bytes * n));
  }
  /** Kubernetes form: `2Gi` when whole GiB, else `512Mi`, else bytes. */
  toString(): string {
    if (this.bytes % (MI * 1024) === 0) return `${this.bytes / (MI * 1024)}Gi`;
    if (this.bytes % MI === 0) return `${this.bytes / MI}Mi`;
    return String(this.bytes);
  }
  toJSON(): string {
    return this.toString();
  }
}

export interface ResourceAmounts {
  readonly cpu: Cpu;
  readonly memory: Memory;
}

/** The Kubernetes `resources` block of a container: always both requests and limits. */
export class Resources {
  static of(requests: { cpu: string; memory: string }, limits: { cpu: string; memory: string }): Resources {
    return new Resources(
      { cpu: Cpu.parse(requests.cpu), memory: Memory.parse(requests.memory) },
      { cpu: Cpu.parse(limits.cpu), memory: Memory.parse(limits.memory) },
    );
  }
  constructor(readonly requests: ResourceAmounts, readonly limits: ResourceAmounts) {
    if (requests.cpu.millicores > limits.cpu.millicores || requests.memory.bytes > limits.memory.bytes) {
      throw new Error(`requests (${requests.cpu}/${requests.memory}) exceed limits (${limits.cpu}/${limits.memory})`);
    }
  }
  /** The plain object Kubernetes and every Helm chart take under `resources`. */
  toK8s(): { requests: { cpu: string; memory: string }; limits: { cpu: string; memory: string } } {
    return {
      limits: { cpu: this.limits.cpu.toString(), memory: this.limits.memory.toString() },
      requests: { cpu: this.requests.cpu.toString(), memory: this.requests.memory.toString() },
    };
  }
  /** The typed form cdk8s's Kubernetes constructs take under `resources`. */
  toRequirements(): k8s.ResourceRequirements {
    const q = (v: { toString(): string }) => k8s.Quantity.fromString(v.toString());
    return {
      requests: { cpu: q(this.requests.cpu), memory: q(this.requests.memory) },
      limits: { cpu: q(this.limits.cpu), memory: q(this.limits.memory) },
    };
  }
}

/**
 * Requests and limits as the classes a generated custom-resource import wants: each CRD's
 * quantity fields get their own class (`<Kind>Spec…ResourcesRequests.fromString`), so the caller
 * passes the two factories.
 */
export function crdQuantities<Req, Lim>(r: K8sResources, request: (v: string) => Req, limit: (v: string) => Lim): { requests: Record<string, Req>; limits: Record<string, Lim> } {
  const map = <Q>(m: Readonly<Record<string, string>>, to: (v: string) => Q) => Object.fromEntries(Object.entries(m).map(([k, v]) => [k, to(v)]));
  return { requests: map(r.requests, request), limits: map(r.limits, limit) };
}

export enum WorkloadKind {
  Deployment = 'Deployment',
  StatefulSet = 'StatefulSet',
  DaemonSet = 'DaemonSet',
  /** A run-to-completion Job (hooks): counted by the plan as transient, not as steady load. */
  Job = 'Job',
}

export interface ContainerDeclaration {
  readonly name: string;
  readonly resources: Resources;
}

/**
 * One workload of a component as the cluster will run it, derived from its rendered objects. `replicas` is the steady-state count
 * (for an autoscaled workload: its minimum); DaemonSets run one pod per node and ignore it.
 */
export interface Workload {
  readonly kind: WorkloadKind;
  readonly name: string;
  readonly namespace: string;
  readonly replicas: number;
  readonly containers: readonly ContainerDeclaration[];
  /** Upper bound of an autoscaled workload (HPA max), for worst-case quota sizing. */
  readonly maxReplicas?: number;
}

/** Sum of the requests (or limits) of all containers of one pod of a workload. */
export function podTotal(w: Workload, which: 'requests' | 'limits'): ResourceAmounts {
  return w.containers.reduce<ResourceAmounts>(
    (acc, c) => ({ cpu: acc.cpu.plus(c.resources[which].cpu), memory: acc.memory.plus(c.resources[which].memory) }),
    { cpu: Cpu.millis(0), memory: Memory.mebibytes(0) },
  );
}

/** A single-container workload (for tests and hand-built plans). */
export function workload(
  kind: WorkloadKind,
  name: string,
  namespace: string,
  replicas: number,
  resources: Resources,
  container = name,
): Workload {
  return { kind, name, namespace, replicas, containers: [{ name: container, resources }] };
}

/** The plain `resources` block as Kubernetes and Helm charts take it. */
export type K8sResources = ReturnType<Resources['toK8s']>;
