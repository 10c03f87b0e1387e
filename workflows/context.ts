import { EnvironmentSettings } from '../config/defaults';
import { ServiceConfig } from '../config/schema';

/** What the composition root hands each workflow: one environment, resolved. */
export interface PlatformContext {
  readonly env: EnvironmentSettings;
  readonly services: readonly ServiceConfig[];
}
