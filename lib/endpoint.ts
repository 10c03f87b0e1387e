/**
 * An in-cluster address a component serves. Each chart exports the endpoints it serves, built from
 * its release's Service name and port and the namespace it is given; consumers import them from
 * the chart (through the workflows, which know the namespaces) and never spell a host or port.
 */
export type Scheme = 'http' | 'https';

const DEFAULT_PORTS: Readonly<Record<Scheme, number>> = { http: 80, https: 443 };

export class Endpoint {
  /** The Service `service` in `namespace` on `port`, spoken to over `scheme`. */
  static service(service: string, namespace: string, port: number, scheme: Scheme = 'http'): Endpoint {
    if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`endpoint ${service}.${namespace}: port must be 1-65535, got ${port}`);
    return new Endpoint(service, namespace, port, scheme);
  }
  private constructor(
    readonly service: string,
    readonly namespace: string,
    readonly port: number,
    readonly scheme: Scheme,
  ) {}
  /** `<service>.<namespace>.svc.cluster.local`. */
  get host(): string {
    return `${this.service}.${this.namespace}.svc.cluster.local`;
  }
  /** `host:port`, as gRPC clients and Kafka bootstrap lists take it. */
  get hostPort(): string {
    return `${this.host}:${this.port}`;
  }
  /** `scheme://host[:port]path`; the port is left out where it is the scheme's default. */
  url(path = ''): string {
    const port = this.port === DEFAULT_PORTS[this.scheme] ? '' : `:${this.port}`;
    return `${this.scheme}://${this.host}${port}${path}`;
  }
  toString(): string {
    return this.url();
  }
}
