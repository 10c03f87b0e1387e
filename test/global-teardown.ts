/** jest globalTeardown: one line for every check skipped for want of reference data (test/skips.ts). */
import { finishRecording } from './skips';

export default function globalTeardown(): void {
  finishRecording();
}
