import { describe, expect, it } from 'vitest';
import { letterbox, roundHalfEven, toInput, toSource } from '../../../src/core/image/letterbox';
import { cropPlanar, paddedSize, padPlanar, sourceIndex } from '../../../src/core/image/padding';
import { countNonFinite, fromPlanar, fromPlanarChecked, toPlanar } from '../../../src/core/image/tensor';

describe('letterbox (Ultralytics LetterBox)', () => {
  it('rounds like Python', () => {
    expect([0.5, 1.5, 2.5, 3.5, -2.5, -3.5, 2.4, 2.6].map(roundHalfEven)).toEqual([0, 2, 2, 4, -2, -4, 2, 3]);
  });

  it('fits, centres and splits odd padding as Ultralytics does', () => {
    expect(letterbox(640, 480, 320, 320)).toMatchObject({
      scale: 0.5,
      resizedWidth: 320,
      resizedHeight: 240,
      top: 40,
      bottom: 40,
      left: 0,
      right: 0,
    });
    expect(letterbox(333, 500, 320, 320)).toMatchObject({
      resizedWidth: 213,
      resizedHeight: 320,
      left: 53,
      right: 54,
      top: 0,
      bottom: 0,
    });
    // 333 × 0.5 = 166.5 rounds to 166 (half to even), not 167.
    expect(letterbox(333, 10, 200, 5)).toMatchObject({ resizedWidth: 166, resizedHeight: 5, left: 17, right: 17 });
    expect(letterbox(100, 100, 320, 320, { scaleUp: false })).toMatchObject({
      scale: 1,
      resizedWidth: 100,
      left: 110,
      right: 110,
    });
  });

  it('maps points both ways', () => {
    const lb = letterbox(1600, 1200, 384, 384);
    const [x, y] = toInput(lb, 800, 600);
    expect([x, y]).toEqual([192, 192]);
    expect(toSource(lb, x, y)).toEqual([800, 600]);
  });
});

describe('padding to a multiple', () => {
  it('rounds sizes up', () => {
    expect(paddedSize(1280, 720, 16)).toEqual({ width: 1280, height: 720 });
    expect(paddedSize(1279, 721, 8)).toEqual({ width: 1280, height: 728 });
  });

  it('reflects like numpy (edge not repeated), bouncing for long pads', () => {
    expect([3, 4, 5, 6, 7, 8].map((i) => sourceIndex(i, 4, 'reflect'))).toEqual([3, 2, 1, 0, 1, 2]);
    expect([3, 4, 5].map((i) => sourceIndex(i, 4, 'replicate'))).toEqual([3, 3, 3]);
  });

  it('pads and crops back to the same data', () => {
    const w = 5;
    const h = 3;
    const data = Float32Array.from({ length: 2 * w * h }, (_, i) => i);
    const padded = padPlanar(data, 2, w, h, 8, 4, 'reflect');
    expect(Array.from(padded.subarray(0, 8))).toEqual([0, 1, 2, 3, 4, 3, 2, 1]);
    expect(Array.from(padded.subarray(24, 32))).toEqual([5, 6, 7, 8, 9, 8, 7, 6]); // row 3 reflects row 1
    expect(Array.from(padPlanar(data, 2, w, h, 8, 4, 'zero').subarray(24, 32))).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
    expect(cropPlanar(padded, 2, 8, 4, w, h)).toEqual(data);
  });
});

describe('tensor conversion', () => {
  it('round-trips 8-bit and 16-bit RGB through CHW float', () => {
    const px8 = Uint8Array.from([0, 128, 255, 10, 20, 30]);
    const t = toPlanar(px8, 2, 1, 255);
    expect(Array.from(t)).toEqual([0, 10 / 255, 128 / 255, 20 / 255, 1, 30 / 255].map((v) => Math.fround(v)));
    expect(fromPlanar(t, 2, 1, 255)).toEqual(px8);
    const px16 = Uint16Array.from([0, 1000, 65535, 300, 40000, 12345]);
    const back = fromPlanar(toPlanar(px16, 2, 1, 65535), 2, 1, 65535);
    expect(back).toBeInstanceOf(Uint16Array);
    expect(back).toEqual(px16);
  });

  it('applies range, mean/std and BGR order, and clamps on the way back', () => {
    const norm = {
      range: [0, 255] as [number, number],
      mean: [10, 20, 30] as [number, number, number],
      std: [2, 2, 2] as [number, number, number],
      colorOrder: 'BGR' as const,
    };
    const t = toPlanar(Uint8Array.from([100, 150, 200]), 1, 1, 255, norm);
    expect(Array.from(t)).toEqual([(200 - 10) / 2, (150 - 20) / 2, (100 - 30) / 2]);
    expect(fromPlanar(t, 1, 1, 255, norm)).toEqual(Uint8Array.from([100, 150, 200]));
    expect(fromPlanar(Float32Array.from([-1, 0.5, 2]), 1, 1, 255)).toEqual(Uint8Array.from([0, 128, 255]));
  });

  it('counts NaN and Inf values (what a diverged model returns)', () => {
    expect(countNonFinite(Float32Array.from([0, 1, -1e30, 1e30]))).toEqual({ nan: 0, inf: 0, total: 4 });
    expect(countNonFinite(Float32Array.from([NaN, Infinity, -Infinity, 0.5, NaN]))).toEqual({
      nan: 2,
      inf: 2,
      total: 5,
    });
  });

  it('converts and counts NaN/Inf in one pass, as fromPlanar and countNonFinite do apart', () => {
    const t = Float32Array.from([0.2, NaN, 1, Infinity, 0.5, -Infinity, NaN, 0, 0.75]);
    const { pixels, nonFinite } = fromPlanarChecked(t, 3, 1, 255);
    expect(nonFinite).toEqual(countNonFinite(t));
    expect(nonFinite).toEqual({ nan: 2, inf: 2, total: 9 });
    expect(pixels).toEqual(fromPlanar(t, 3, 1, 255));
    expect(Array.from(pixels)).toEqual([51, 255, 0, 0, 128, 0, 255, 0, 191]);
  });

  it('writes into a buffer it is given when its size fits, and makes one when not', () => {
    const px = Uint8Array.from([0, 128, 255, 10, 20, 30]);
    const into = new Float32Array(6).fill(9);
    expect(toPlanar(px, 2, 1, 255, undefined, into)).toBe(into);
    expect(into).toEqual(toPlanar(px, 2, 1, 255));
    const small = new Float32Array(3);
    const made = toPlanar(px, 2, 1, 255, undefined, small);
    expect(made).not.toBe(small);
    expect(made).toHaveLength(6);
  });

  it('converts a tensor back into a pixel buffer it is given when its type and size fit', () => {
    const t = Float32Array.from([0.2, 0.4, 1, 0, 0.5, 0.25]);
    const into = new Uint8Array(6).fill(7);
    const { pixels } = fromPlanarChecked(t, 2, 1, 255, undefined, into);
    expect(pixels).toBe(into);
    expect(into).toEqual(fromPlanar(t, 2, 1, 255));
    // 8-bit samples for a 16-bit frame, or another size: a new buffer, the given one untouched.
    const eight = new Uint8Array(6).fill(7);
    const deep = fromPlanarChecked(t, 2, 1, 65535, undefined, eight).pixels;
    expect(deep).toBeInstanceOf(Uint16Array);
    expect(Array.from(eight)).toEqual([7, 7, 7, 7, 7, 7]);
    const short = new Uint16Array(3);
    expect(fromPlanarChecked(t, 2, 1, 65535, undefined, short).pixels).not.toBe(short);
    const sixteen = new Uint16Array(6);
    expect(fromPlanarChecked(t, 2, 1, 65535, undefined, sixteen).pixels).toBe(sixteen);
    expect(sixteen).toEqual(deep);
  });
});
