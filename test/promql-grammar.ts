/**
 * PromQL read with Prometheus' own grammar (@prometheus-io/lezer-promql, the parser of the
 * Prometheus web UI): syntax only, no type checking. promtool is not available here.
 */
import { parser } from '@prometheus-io/lezer-promql';

export interface ParsedPromql {
  /** Offset of the first syntax error, undefined when the expression parses. */
  readonly errorAt?: number;
  /** Metric names the expression selects (`x` in `x{...}`, `x[5m]`, `x offset 1h`), sorted, once each. */
  readonly metrics: readonly string[];
}

export function parsePromql(expr: string): ParsedPromql {
  let errorAt: number | undefined;
  const metrics = new Set<string>();
  parser.parse(expr).iterate({
    enter: (n) => {
      if (n.type.isError && errorAt === undefined) errorAt = n.from;
      if (n.name === 'Identifier' && n.node.parent?.name === 'VectorSelector') metrics.add(expr.slice(n.from, n.to));
    },
  });
  return { ...(errorAt !== undefined ? { errorAt } : {}), metrics: [...metrics].sort() };
}
