/** jest globalSetup: start the run's record of checks skipped for want of reference data (test/skips.ts). */
import { startRecording } from './skips';

export default function globalSetup(): void {
  startRecording();
}
