/** Workflow 5, Security: OpenBao, External Secrets, Gatekeeper, Falco. */
import { Component } from '../lib/component';
import { PlatformContext } from './context';

export function securityComponents(_ctx: PlatformContext): Component[] {
  return [];
}

/**
 * Security components that need every other component first: external-secrets-config (one
 * ExternalSecret per declared secret requirement) and gatekeeper-constraints (after every other
 * platform component).
 */
export function securityComponentsAfter(_ctx: PlatformContext, _others: readonly Component[]): Component[] {
  return [];
}
