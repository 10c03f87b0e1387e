/** snapshot.storage.k8s.io/v1 VolumeSnapshotClass (fields we use), checked against its CRD schema. */
import { ApiObject, ApiObjectMetadata } from 'cdk8s';
import { Construct } from 'constructs';

export interface VolumeSnapshotClassProps {
  readonly metadata: ApiObjectMetadata;
  readonly driver: string;
  readonly deletionPolicy: 'Delete' | 'Retain';
  readonly parameters?: Record<string, string>;
}

export class VolumeSnapshotClass extends ApiObject {
  constructor(scope: Construct, id: string, props: VolumeSnapshotClassProps) {
    super(scope, id, { apiVersion: 'snapshot.storage.k8s.io/v1', kind: 'VolumeSnapshotClass', ...props });
  }
}
