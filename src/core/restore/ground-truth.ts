import { fileExtension, fileStem } from '../naming';

/**
 * Which ground-truth file belongs to each frame: the same file name, else the same stem with
 * another image extension (frames delivered as JPEG, ground truth kept as PNG, or the reverse).
 * Several candidates with one stem: the lossless format wins (PNG, then TIFF, then the rest in
 * name order), so metrics are taken against the least degraded reference.
 */
export function pairGroundTruth(frames: readonly string[], gtNames: readonly string[]): Map<string, string> {
  const exact = new Set(gtNames);
  const byStem = new Map<string, string>();
  const rank = (name: string): number => {
    const ext = fileExtension(name);
    return ext === '.png' ? 0 : ext === '.tif' || ext === '.tiff' ? 1 : 2;
  };
  for (const name of [...gtNames].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b))) {
    const key = fileStem(name);
    if (!byStem.has(key)) byStem.set(key, name);
  }
  const out = new Map<string, string>();
  for (const frame of frames) {
    const match = exact.has(frame) ? frame : byStem.get(fileStem(frame));
    if (match) out.set(frame, match);
  }
  return out;
}
