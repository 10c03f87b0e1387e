import { Chart, ChartProps } from 'cdk8s';
import { Construct } from 'constructs';

/**
 * Base for every chart we author: stable names (no cdk8s hash suffixes) and the component's
 * namespace as the default.
 */
export class PlatformChart extends Chart {
  constructor(scope: Construct, id: string, props: ChartProps = {}) {
    super(scope, id, { ...props, disableResourceNameHashes: true });
  }
}
