/**
 * The RGBA pixels of a decoded image, read back through an OffscreenCanvas of its own size
 * (`willReadFrequently` keeps the canvas on the CPU, so the read-back is a copy, not a GPU sync).
 * The pixel inspector, the difference heatmaps on screen and the exported heatmaps all read
 * frames this way.
 */
export function pixelsOf(image: ImageBitmap): ImageData {
  const canvas = new OffscreenCanvas(image.width, image.height);
  const ctx = canvas.getContext('2d', { willReadFrequently: true })!;
  ctx.drawImage(image, 0, 0);
  return ctx.getImageData(0, 0, image.width, image.height);
}
