/** Workflow 7, Data: CloudNativePG, Redis, Kafka. */
import { Component } from '../lib/component';
import { PlatformContext } from './context';

export function dataComponents(_ctx: PlatformContext): Component[] {
  return [];
}
