/**
 * The numbered steps of the bootstrap README (dist/<env>/bootstrap/README.md), in the order an
 * operator runs them. The README numbers its sections from this list, and whatever names a step
 * elsewhere (a health check's message, a runbook) takes its number from here, so the two never
 * disagree. Steps 1-4 need no node (the control plane, then what only the API server stores);
 * the node groups join once Cilium's objects exist. The private-endpoint step is last: it only
 * exists in environments locked to a private API endpoint, and everything before it runs over the
 * public endpoint, seeding OpenBao included.
 */
export const BOOTSTRAP_STEP_ORDER = [
  'awsResources',
  'controlPlane',
  'monitoringCrds',
  'cilium',
  'bootstrapSecrets',
  'nodeGroups',
  'nodeAddons',
  'argocd',
  'appOfApps',
  'seedOpenBao',
  'privateEndpoint',
] as const;

export type BootstrapStep = (typeof BOOTSTRAP_STEP_ORDER)[number];

/** The number of a step as the README prints it (`## 9. …`); the AWS resources are step 0. */
export function stepNumber(step: BootstrapStep): number {
  return BOOTSTRAP_STEP_ORDER.indexOf(step);
}

/** How a message points an operator to a step. */
export function stepReference(step: BootstrapStep): string {
  return `bootstrap README step ${stepNumber(step)}`;
}
