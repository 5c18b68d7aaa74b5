import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_RESOLUTIONS, TemplateCache, type TemplateCandidate } from '../../src/engine/keypoints/predictor';
import { ClassicalMatcher, createOpenCvLoader, type Cv } from '../../src/engine/match/opencv';
import { textureSvg } from '../fixtures/texture';
import { tempDir } from '../helpers';

/**
 * The template cache with a byte budget (lru-cache): real opencv.js features of real JPEGs on
 * disk. Evicted templates are freed and prepared again, the same, when next needed; one in use is
 * freed only after it is released.
 */
describe('TemplateCache (byte budget)', () => {
  let cv: Cv;
  let tmp: { path: string; cleanup: () => Promise<void> };
  const candidates: TemplateCandidate[] = [];
  beforeAll(async () => {
    ({ cv } = await createOpenCvLoader()());
    tmp = await tempDir('loupe-template-cache-');
    for (const i of [1, 2, 3]) {
      const name = `CACHE_m${i}_001_01.jpg`;
      await sharp(Buffer.from(textureSvg(800, 600, i * 11)))
        .jpeg({ quality: 92 })
        .toFile(join(tmp.path, name));
      const coords = {
        top: [0.5, 0.2],
        bottom: [0.5, 0.8],
        left: [0.3, 0.5],
        right: [0.7, 0.5],
        center: [0.5, 0.5],
      } as TemplateCandidate['coords'];
      candidates.push({
        key: `CACHE_m${i}_001_01`,
        path: join(tmp.path, name),
        watchId: `CACHE_m${i}_001`,
        templateModel: `m${i}`,
        record: { image_size: [800, 600], coords_norm: coords, full_image_name: name, annotator: 'human:test' },
        coords,
        size: [800, 600],
      });
    }
  }, 60_000);
  afterAll(() => tmp.cleanup());

  /** A real matcher that counts what it frees. */
  class CountingMatcher extends ClassicalMatcher {
    released = 0;
    override release(t: Parameters<ClassicalMatcher['release']>[0]): void {
      this.released++;
      super.release(t);
    }
  }
  const points = (p: { points: [number, number][] }): string => JSON.stringify(p.points);

  it('keeps everything under a large budget and frees it all on clear', async () => {
    const matcher = new CountingMatcher(cv, { type: 'orb', maxFeatures: 1000, ratio: 0.7 });
    const cache = new TemplateCache(matcher, DEFAULT_RESOLUTIONS, 0.15, 64 * 1024 * 1024);
    for (const c of [...candidates, ...candidates]) expect(await cache.get(c)).not.toBeNull();
    const s = cache.stats();
    expect(s).toMatchObject({ prepared: 3, evictions: 0, held: 3 });
    expect(s.heldBytes).toBe(s.preparedBytes);
    // Features, crop and keypoints: well over the 32 KB of ORB descriptors alone.
    expect(s.heldBytes / 3).toBeGreaterThan(32_000);
    await cache.clear();
    expect(matcher.released).toBe(3);
  });

  it('evicts the least recently used past its budget, frees it, and prepares it again the same', async () => {
    const matcher = new CountingMatcher(cv, { type: 'orb', maxFeatures: 1000, ratio: 0.7 });
    const probe = new TemplateCache(matcher, DEFAULT_RESOLUTIONS, 0.15);
    const first = (await probe.get(candidates[0]!))!;
    const one = probe.stats().heldBytes;
    const firstPoints = points(first.prepared);
    const firstKeypoints = JSON.stringify(first.ref.keypoints);
    await probe.clear();
    matcher.released = 0;

    // Room for two templates (they are all about the same size).
    const cache = new TemplateCache(matcher, DEFAULT_RESOLUTIONS, 0.15, Math.floor(one * 2.5));
    const [a, b, c] = candidates as [TemplateCandidate, TemplateCandidate, TemplateCandidate];
    await cache.get(a);
    await cache.get(b);
    await cache.get(a); // a is now the most recently used
    await cache.get(c); // evicts b
    expect(cache.stats()).toMatchObject({ prepared: 3, evictions: 1, held: 2 });
    expect(matcher.released).toBe(1);
    expect(cache.stats().heldBytes).toBeLessThanOrEqual(Math.floor(one * 2.5));
    await cache.get(a); // still held: not prepared again
    expect(cache.stats().prepared).toBe(3);
    await cache.get(b); // re-loaded, evicting c
    await cache.get(a);
    const again = (await cache.get(a))!;
    expect(cache.stats()).toMatchObject({ prepared: 4, evictions: 2 });
    expect(matcher.released).toBe(2);
    // Evict a (c evicts b, the older of b and a; b then evicts a), then load it again: the same
    // features as the first time.
    await cache.get(c);
    await cache.get(b);
    expect(cache.stats().evictions).toBe(4);
    const reloaded = (await cache.get(a))!;
    expect(reloaded).not.toBe(again);
    expect(points(reloaded.prepared)).toBe(firstPoints);
    expect(JSON.stringify(reloaded.ref.keypoints)).toBe(firstKeypoints);
    expect(cache.stats().peakBytes).toBeLessThanOrEqual(Math.floor(one * 2.5));
    await cache.clear();
    expect(matcher.released).toBe(cache.stats().prepared);
  });

  it('frees a template evicted while in use only when it is released, and keeps one larger than the budget until then', async () => {
    const matcher = new CountingMatcher(cv, { type: 'orb', maxFeatures: 1000, ratio: 0.7 });
    const cache = new TemplateCache(matcher, DEFAULT_RESOLUTIONS, 0.15, 1000); // smaller than one template
    const [a, b] = candidates as [TemplateCandidate, TemplateCandidate];
    const ta = (await cache.acquire(a))!;
    const tb = (await cache.acquire(b))!;
    expect(cache.stats().held).toBe(0); // neither fits the budget
    expect(matcher.released).toBe(0); // both in use
    // Still usable: the descriptors are alive.
    const m = matcher.match(ta.prepared, tb.prepared);
    expect(m.features[0]).toBeGreaterThan(100);
    cache.release(ta);
    expect(matcher.released).toBe(1);
    cache.release(tb);
    expect(matcher.released).toBe(2);
    // The next use prepares it again.
    const again = (await cache.acquire(a))!;
    expect(points(again.prepared)).toBe(points(ta.prepared));
    cache.release(again);
    expect(cache.stats().prepared).toBe(3);
    await cache.clear();
    expect(matcher.released).toBe(3);
  });
});
