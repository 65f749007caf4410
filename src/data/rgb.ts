/** RGB bytes of an image given as RGB or RGBA pixels (a browser `ImageData`, a decoded file); no Node imports. */

/** Pixels of an image: RGB or RGBA bytes, row-major. */
export interface PixelData {
  data: Uint8Array | Uint8ClampedArray;
  width: number;
  height: number;
}

/** The image's RGB bytes (H·W·3, a copy); errors give the size and byte count expected. */
export function rgbBytes(image: PixelData): Uint8Array {
  const pixels = image.width * image.height;
  if (!Number.isInteger(image.width) || !Number.isInteger(image.height) || pixels <= 0) {
    throw new Error(`image size must be positive integers, got ${image.width}×${image.height}`);
  }
  if (image.data.length === pixels * 3) return Uint8Array.from(image.data);
  if (image.data.length !== pixels * 4) {
    throw new Error(`image data has ${image.data.length} bytes; expected ${pixels * 3} (RGB) or ${pixels * 4} (RGBA)`);
  }
  const rgb = new Uint8Array(pixels * 3);
  for (let i = 0; i < pixels; i++) {
    rgb[3 * i] = image.data[4 * i];
    rgb[3 * i + 1] = image.data[4 * i + 1];
    rgb[3 * i + 2] = image.data[4 * i + 2];
  }
  return rgb;
}
