/** Workflow 3, Observability: Mimir, Loki, Tempo, Prometheus, OpenTelemetry, Grafana. */
import { Component } from '../lib/component';
import { PlatformContext } from './context';

export function observabilityComponents(_ctx: PlatformContext): Component[] {
  return [];
}
