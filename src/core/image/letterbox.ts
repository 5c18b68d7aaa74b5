/**
 * Ultralytics' LetterBox, exactly: scale to fit (aspect kept), centre, pad with grey 114.
 * Python's round() rounds half to even, and the ±0.1 on the padding decides odd splits; both are
 * reproduced so coordinates agree with an Ultralytics pipeline to the pixel.
 */

/** Python 3 round(): half to even. */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

export interface Letterbox {
  /** Source image size. */
  srcWidth: number;
  srcHeight: number;
  /** Network input size. */
  dstWidth: number;
  dstHeight: number;
  /** Scale applied to the source. */
  scale: number;
  /** Size of the resized image inside the canvas. */
  resizedWidth: number;
  resizedHeight: number;
  top: number;
  bottom: number;
  left: number;
  right: number;
}

export const LETTERBOX_FILL = 114;

export function letterbox(
  srcWidth: number,
  srcHeight: number,
  dstWidth: number,
  dstHeight: number,
  options: { scaleUp?: boolean; center?: boolean } = {},
): Letterbox {
  let scale = Math.min(dstHeight / srcHeight, dstWidth / srcWidth);
  if (options.scaleUp === false) scale = Math.min(scale, 1);
  const resizedWidth = Math.trunc(roundHalfEven(srcWidth * scale));
  const resizedHeight = Math.trunc(roundHalfEven(srcHeight * scale));
  const center = options.center ?? true;
  let dw = dstWidth - resizedWidth;
  let dh = dstHeight - resizedHeight;
  if (center) {
    dw /= 2;
    dh /= 2;
  }
  const top = center ? Math.trunc(roundHalfEven(dh - 0.1)) + 0 : 0;
  const bottom = Math.trunc(roundHalfEven(dh + 0.1)) + 0;
  const left = center ? Math.trunc(roundHalfEven(dw - 0.1)) + 0 : 0;
  const right = Math.trunc(roundHalfEven(dw + 0.1)) + 0;
  return { srcWidth, srcHeight, dstWidth, dstHeight, scale, resizedWidth, resizedHeight, top, bottom, left, right };
}

/** A point in network-input pixels back to source-image pixels. */
export function toSource(lb: Letterbox, x: number, y: number): [number, number] {
  return [(x - lb.left) / lb.scale, (y - lb.top) / lb.scale];
}

/** A point in source-image pixels to network-input pixels. */
export function toInput(lb: Letterbox, x: number, y: number): [number, number] {
  return [x * lb.scale + lb.left, y * lb.scale + lb.top];
}
