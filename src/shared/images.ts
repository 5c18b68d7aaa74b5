/**
 * Images as the renderer shows them: a bounded preview first (fast to decode), the full
 * resolution when the user zooms past it. Both are upright (EXIF orientation applied), so
 * normalised label coordinates map onto them directly. A `proxy` is a fast-to-decode JPEG at the
 * image's own size, for showing frames while they move (playback, scrubbing); viewers switch
 * to the lossless original when the frame settles. A `thumbnail` is the grid's small webp (the
 * thumbnail size setting), made when a cell first comes on screen.
 */
export type ImageVariant = 'preview' | 'full' | 'proxy' | 'thumbnail';

export interface ImageView {
  variant: ImageVariant;
  /** The file to load (through `api.images.url`): the original when it is already displayable. */
  path: string;
  /** Pixel size of that file. */
  width: number;
  height: number;
  /** Displayed size of the original image (what label coordinates are relative to). */
  imageWidth: number;
  imageHeight: number;
  /** Whether the view was made by this request (false: the original or a cached view). */
  generated: boolean;
}

/**
 * Longest side of proxies: frames in motion are seen at pane size (a third of a screen or less),
 * so a 640 px JPEG looks the same while it moves and decodes in a ninth of a 1080p frame's time.
 * 960 px gave 10 frames/s held-arrow scrubbing of three 720p panes here, 640 px 23
 * (bench/compare.bench.ts, same run conditions); the lossless frame replaces it on settling.
 */
export const PROXY_SIZE = 640;

/** Longest side of editor previews: sharp enough at fit-to-window on a 4K screen, quick to decode. */
export const PREVIEW_SIZE = 2048;
