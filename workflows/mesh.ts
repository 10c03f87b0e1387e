/** Workflow 6, Service mesh: Istio. */
import { Component } from '../lib/component';
import { PlatformContext } from './context';

export function meshComponents(_ctx: PlatformContext): Component[] {
  return [];
}
