/**
 * gatekeeper-templates: the maintained ConstraintTemplates of open-policy-agent/gatekeeper-library
 * at a pinned commit (the library has no tags), vendored under vendor/gatekeeper-library (see its
 * INDEX.md) and rendered into dist like every other component, only the templates our constraints
 * use. The cluster pulls nothing from the library's repository.
 *
 * Three templates are ours, beside this file, for what the library has no template for:
 * `restricted-rbac/` (K8sRestrictedRbac: bindings to cluster-admin, wildcard RBAC rules),
 * `blocked-kinds/` (K8sBlockedKinds: denies every object its constraint matches, for kinds a
 * namespace must not hold at all) and `strict-mesh-tls/` (K8sStrictMeshTls: Istio objects that
 * weaken mutual TLS). They keep the library's layout (v0 Rego, openAPIV3Schema parameters). No Rego
 * evaluator is available to this repository (no OPA binary or package offline), so their Rego is
 * reviewed, not executed, here; test/charts/gatekeeper-policy.ts evaluates the same rules in
 * TypeScript against dist and against crafted tenant objects.
 *
 * The constraint schemas under ../shared/schemas/crds/constraints.gatekeeper.sh come from the same
 * commit, so the parameters gatekeeper-constraints renders are checked against these templates.
 */
import type { PlatformComponentId } from '../../config/ids';
import { GIT_SOURCES } from '../../config/versions';
import { PlatformComponent, VendoredSource, Workflow } from '../../lib/component';

/** This component's id: its Argo CD Application name. */
export const ID = 'gatekeeper-templates' satisfies PlatformComponentId;

/** Where our own ConstraintTemplates live, relative to the repository root. */
export const OWN_TEMPLATES_DIR = 'charts/gatekeeper-templates';

/** One template: the library's (by its path in the library) or ours, and the constraint kind it defines. */
export class LibraryTemplate {
  static readonly REQUIRED_RESOURCES = new LibraryTemplate('general/containerresources', 'K8sRequiredResources');
  static readonly DISALLOWED_TAGS = new LibraryTemplate('general/disallowedtags', 'K8sDisallowedTags');
  static readonly ALLOWED_REPOS = new LibraryTemplate('general/allowedrepos', 'K8sAllowedRepos');
  static readonly REQUIRED_LABELS = new LibraryTemplate('general/requiredlabels', 'K8sRequiredLabels');
  static readonly PRIVILEGED_CONTAINER = new LibraryTemplate('pod-security-policy/privileged-containers', 'K8sPSPPrivilegedContainer');
  static readonly HOST_NAMESPACE = new LibraryTemplate('pod-security-policy/host-namespaces', 'K8sPSPHostNamespace');
  static readonly HOST_NETWORKING_PORTS = new LibraryTemplate('pod-security-policy/host-network-ports', 'K8sPSPHostNetworkingPorts');
  static readonly HOST_FILESYSTEM = new LibraryTemplate('pod-security-policy/host-filesystem', 'K8sPSPHostFilesystem');
  static readonly BLOCK_NODEPORT = new LibraryTemplate('general/block-nodeport-services', 'K8sBlockNodePort');
  static readonly BLOCK_LOADBALANCER = new LibraryTemplate('general/block-loadbalancer-services', 'K8sBlockLoadBalancer');
  static readonly EXTERNAL_IPS = new LibraryTemplate('general/externalip', 'K8sExternalIPs');
  static readonly IMAGE_DIGESTS = new LibraryTemplate('general/imagedigests', 'K8sImageDigests');
  static readonly AUTOMOUNT_TOKEN = new LibraryTemplate('general/automount-serviceaccount-token', 'K8sPSPAutomountServiceAccountTokenPod');
  /** Ours (see the file comment). */
  static readonly RESTRICTED_RBAC = new LibraryTemplate('restricted-rbac', 'K8sRestrictedRbac', 'own');
  /** Ours: denies whatever the constraint matches (the library has no such template). */
  static readonly BLOCKED_KINDS = new LibraryTemplate('blocked-kinds', 'K8sBlockedKinds', 'own');
  /** Ours: Istio PeerAuthentications, DestinationRules and AuthorizationPolicies that weaken mTLS. */
  static readonly STRICT_MESH_TLS = new LibraryTemplate('strict-mesh-tls', 'K8sStrictMeshTls', 'own');

  static readonly ALL: readonly LibraryTemplate[] = [
    LibraryTemplate.REQUIRED_RESOURCES,
    LibraryTemplate.DISALLOWED_TAGS,
    LibraryTemplate.ALLOWED_REPOS,
    LibraryTemplate.REQUIRED_LABELS,
    LibraryTemplate.PRIVILEGED_CONTAINER,
    LibraryTemplate.HOST_NAMESPACE,
    LibraryTemplate.HOST_NETWORKING_PORTS,
    LibraryTemplate.HOST_FILESYSTEM,
    LibraryTemplate.BLOCK_NODEPORT,
    LibraryTemplate.BLOCK_LOADBALANCER,
    LibraryTemplate.EXTERNAL_IPS,
    LibraryTemplate.IMAGE_DIGESTS,
    LibraryTemplate.AUTOMOUNT_TOKEN,
    LibraryTemplate.RESTRICTED_RBAC,
    LibraryTemplate.BLOCKED_KINDS,
    LibraryTemplate.STRICT_MESH_TLS,
  ];

  /** The library template defining a constraint kind. */
  static forKind(kind: string): LibraryTemplate {
    const t = LibraryTemplate.ALL.find((x) => x.kind === kind);
    if (!t) throw new Error(`gatekeeper-templates: no library template selected for constraint kind ${kind}; add it to LibraryTemplate`);
    return t;
  }

  private constructor(
    /** Directory under the library's `library/`, or under OWN_TEMPLATES_DIR for ours. */
    readonly dir: string,
    /** `spec.crd.spec.names.kind` of the template. */
    readonly kind: string,
    /** The vendored library's, or ours. */
    readonly origin: 'library' | 'own' = 'library',
  ) {}

  /** Path of template.yaml relative to the synced `library/` directory (or to OWN_TEMPLATES_DIR). */
  get file(): string {
    return `${this.dir}/template.yaml`;
  }

  /** Path of template.yaml relative to the repository root. */
  get repoPath(): string {
    return this.origin === 'own' ? `${OWN_TEMPLATES_DIR}/${this.file}` : `${VENDOR_DIR}/${LIBRARY_ROOT}/${this.file}`;
  }
}

export const LIBRARY_ROOT = 'library';

export interface GatekeeperTemplatesProps {
  readonly namespace: string;
  readonly templates: readonly LibraryTemplate[];
}

/** The Argo CD directory `include` glob selecting exactly these templates. */
export function includeGlob(templates: readonly LibraryTemplate[]): string {
  const files = [...new Set(templates.map((t) => t.file))].sort();
  return files.length === 1 ? files[0] : `{${files.join(',')}}`;
}

/** Where the library's templates are vendored, relative to the repository root. */
export const VENDOR_DIR = 'vendor/gatekeeper-library';

export function gatekeeperTemplatesComponent(props: GatekeeperTemplatesProps): PlatformComponent {
  if (props.templates.length === 0) throw new Error('gatekeeper-templates: select at least one library template (none would sync an empty Application)');
  const lib = GIT_SOURCES.gatekeeperLibrary;
  if (!/^[0-9a-f]{40}$/.test(lib.revision)) {
    throw new Error(`gatekeeper-templates: gatekeeper-library revision "${lib.revision}" is not a full commit sha; the library has no release tags, pin a commit`);
  }
  const source: VendoredSource = {
    type: 'vendored',
    origin: { repoURL: lib.repoURL, revision: lib.revision },
    files: [...new Set(props.templates.map((t) => t.repoPath))].sort(),
  };
  return {
    id: ID,
    workflow: Workflow.Security,
    namespace: props.namespace,
    dependsOn: ['gatekeeper'],
    source,
  };
}
