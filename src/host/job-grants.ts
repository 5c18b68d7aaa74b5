import { resolve } from 'node:path';
import type { JobSpec } from '../shared/jobs';
import type { FolderGrants } from './folder-grants';
import type { LabelDirsOf } from './label-dirs';

/**
 * Check the folders a job reads and writes against the grants before it is queued (a job the
 * renderer submits; the CLI asks the engine itself). A job that copies or derives pixels into a
 * place the renderer can read (thumbnails into the granted cache, restored frames) must read only
 * granted folders, and predictions are written only into the label folders of the granted image
 * folder (chosen for it, or found by the rule: `dirsOf`) or another granted folder. Model folders and MLflow stores are read by the engine and
 * never served to the renderer; a run's output folder is the path the user typed for it.
 */
export async function requireJobGrants(spec: JobSpec, grants: FolderGrants, dirsOf: LabelDirsOf): Promise<void> {
  switch (spec.kind) {
    case 'scan-images':
      await grants.require(spec.folder, { kind: 'folder' });
      return;
    case 'predict-keypoints': {
      await grants.require(spec.imagesDir, { kind: 'folder' });
      const own = await dirsOf(resolve(spec.imagesDir));
      for (const dir of [spec.labelsDir, spec.outputDir]) {
        if (resolve(dir) === own.labelsDir || resolve(dir) === own.predictedDir) continue;
        await grants.require(dir, { kind: 'folder' });
      }
      return;
    }
    case 'restore-frames':
      await grants.require(spec.inputDir, { kind: 'folder' });
      if (spec.gtDir) await grants.require(spec.gtDir, { kind: 'folder' });
      return;
    case 'benchmark-model':
    case 'export-models':
      return;
  }
}
