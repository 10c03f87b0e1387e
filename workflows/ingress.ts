/** Workflow 2, Ingress: cert-manager, external-dns, emissary-ingress. */
import { Component } from '../lib/component';
import { PlatformContext } from './context';

export function ingressComponents(_ctx: PlatformContext): Component[] {
  return [];
}
