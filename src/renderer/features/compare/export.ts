import { BufferTarget, CanvasSource, canEncodeVideo, Mp4OutputFormat, Output, type VideoCodec } from 'mediabunny';
import { drawExportFrame, type ExportDeps, type ExportPlan } from './export-frames';

/**
 * The exports of a comparison: a PNG of one frame, and an MP4 of a range of frames, both drawn by
 * drawExportFrame (export-frames.ts) at the plan's resolution. Video goes through WebCodecs'
 * VideoEncoder and mediabunny's MP4 muxer: muxing is a solved problem, not one to write by hand.
 */

/** Frame `k` as a PNG, at the plan's resolution (native panes unless scaled). */
export async function exportPng(plan: ExportPlan, k: number, deps: ExportDeps): Promise<Blob> {
  const canvas = new OffscreenCanvas(plan.layout.width, plan.layout.height);
  await drawExportFrame(canvas.getContext('2d')!, plan, k, deps, null);
  return canvas.convertToBlob({ type: 'image/png' });
}

export type CodecChoice = 'auto' | 'avc' | 'vp9' | 'av1';

export const CODEC_NAMES: Record<string, string> = { avc: 'H.264', vp9: 'VP9', av1: 'AV1', hevc: 'HEVC', vp8: 'VP8' };

export interface ChosenCodec {
  codec: VideoCodec;
  hardware: boolean;
}

/**
 * The codec for a video of this size and rate. `auto`: H.264 where a hardware encoder takes it
 * (a Mac's VideoToolbox: fast, plays everywhere), else VP9, AV1, then software H.264. Software
 * H.264 comes last because Chromium's OpenH264 ignores the bitrate and tops out near 35 dB on a
 * side-by-side of noisy frames where VP9 reaches 39 (measured here; bench/BENCHMARKS.md). A codec
 * chosen by name is used when the browser can encode it at all. Null: nothing can.
 */
export async function videoCodecFor(
  width: number,
  height: number,
  fps: number,
  choice: CodecChoice = 'auto',
): Promise<ChosenCodec | null> {
  const can = (codec: VideoCodec, hardware: boolean): Promise<boolean> =>
    canEncodeVideo(codec, {
      width,
      height,
      frameRate: fps,
      bitrate: videoBitrate(width, height, fps),
      ...(hardware ? { hardwareAcceleration: 'prefer-hardware' as const } : {}),
    }).catch(() => false);
  const order: ChosenCodec[] =
    choice === 'auto'
      ? [
          { codec: 'avc', hardware: true },
          { codec: 'vp9', hardware: false },
          { codec: 'av1', hardware: false },
          { codec: 'avc', hardware: false },
        ]
      : [
          { codec: choice, hardware: true },
          { codec: choice, hardware: false },
        ];
  for (const c of order) if (await can(c.codec, c.hardware)) return c;
  return null;
}

/**
 * Bits per second for a comparison video: 0.5 bits per pixel per frame, far above a streaming
 * rate, because the point of the file is to show differences of a few levels between models
 * (film grain and noise are what a lower rate smooths away first). Capped at 100 Mb/s.
 */
export function videoBitrate(width: number, height: number, fps: number): number {
  return Math.round(Math.min(100e6, width * height * fps * 0.5));
}

export interface VideoExport {
  blob: Blob;
  codec: VideoCodec;
  hardware: boolean;
  frames: number;
  width: number;
  height: number;
}

export interface VideoProgress {
  done: number;
  total: number;
}

/**
 * Frames `from`..`to` (inclusive) as an MP4 at `fps`: video frame i is comparison frame from + i,
 * at timestamp i / fps (frame-exact: no frame is dropped, repeated or blended). Key frames every
 * second. `chosen` is the encoder `videoCodecFor` found for this size and rate (the dialog asks it
 * once, to show the codec and to disable saving where nothing can encode). `signal` cancels (the
 * partial file is discarded).
 */
export async function exportVideo(
  plan: ExportPlan,
  range: { from: number; to: number },
  fps: number,
  chosen: ChosenCodec,
  deps: ExportDeps,
  onProgress: (p: VideoProgress) => void,
  signal: AbortSignal,
): Promise<VideoExport> {
  const { width, height } = plan.layout;
  const { codec } = chosen;
  const canvas = new OffscreenCanvas(width, height);
  const ctx = canvas.getContext('2d', { alpha: false })!;
  const target = new BufferTarget();
  const output = new Output({ format: new Mp4OutputFormat({ fastStart: 'in-memory' }), target });
  const source = new CanvasSource(canvas, {
    codec,
    bitrate: videoBitrate(width, height, fps),
    // A key frame every second: stepping frame by frame in a player stays quick.
    keyFrameInterval: 1,
    ...(chosen.hardware ? { hardwareAcceleration: 'prefer-hardware' as const } : {}),
  });
  output.addVideoTrack(source, { frameRate: fps });
  await output.start();
  const total = range.to - range.from + 1;
  let heatScale: number | null = null;
  try {
    for (let i = 0; i < total; i++) {
      if (signal.aborted) throw new DOMException('export cancelled', 'AbortError');
      // One heatmap scale for the whole video (the first frame's, unless one was set).
      heatScale = (await drawExportFrame(ctx, plan, range.from + i, deps, heatScale)).heatScale;
      await source.add(i / fps, 1 / fps);
      onProgress({ done: i + 1, total });
    }
    if (signal.aborted) throw new DOMException('export cancelled', 'AbortError');
    await output.finalize();
  } catch (e) {
    if (output.state !== 'finalized' && output.state !== 'canceled') await output.cancel().catch(() => undefined);
    throw e;
  }
  return {
    blob: new Blob([target.buffer!], { type: 'video/mp4' }),
    codec,
    hardware: chosen.hardware,
    frames: total,
    width,
    height,
  };
}

/** Hand a file to the browser's (or Electron's) download: a save dialog or the downloads folder. */
export function download(blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
  // The download has its own reference by then; a large video still gets a minute.
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
