import type { Device } from './devices';

/** User settings, persisted by the host (main or the web host) as settings.json. */
export interface Settings {
  device: Device;
  /** ONNX Runtime intra-op threads; 0 = one per core. */
  threads: number;
  /** Folders of the user's own models (.onnx with optional model.json). */
  modelDirs: string[];
  /** Most recent first. */
  recentFolders: string[];
  /**
   * File-name pattern with named groups `imageKey`, `watchId`, `templateModel`.
   * Files that do not match are grouped by their folder name.
   */
  namingPattern: string;
  /** Written as `annotator` on reviewed labels. */
  reviewer: string;
  /** Longest side of generated thumbnails, in pixels. */
  thumbnailSize: number;
}

export const DEFAULT_NAMING_PATTERN =
  '^(?<imageKey>(?<watchId>[A-Za-z0-9-]+_(?<templateModel>[A-Za-z0-9-]+)_\\d+)_\\d+)(?:_.*)?$';

export const DEFAULT_SETTINGS: Settings = {
  device: 'auto',
  threads: 0,
  modelDirs: [],
  recentFolders: [],
  namingPattern: DEFAULT_NAMING_PATTERN,
  reviewer: 'reviewer',
  thumbnailSize: 256,
};

export const MAX_RECENT_FOLDERS = 12;
