import { describe, expect, it } from 'vitest';
import type { ImageView } from '../../../../src/shared/images';
import type { Result } from '../../../../src/shared/result';
import { ImageVariants } from '../../../../src/renderer/features/review/image-variants';

const view = (path: string, variant: 'preview' | 'full'): ImageView => ({
  variant,
  path: `/cache/${variant}/${path}`,
  width: variant === 'preview' ? 2048 : 6000,
  height: variant === 'preview' ? 1536 : 4500,
  imageWidth: 6000,
  imageHeight: 4500,
  generated: true,
});

/** The engine's image views, answered at once; `failing` paths answer with an error. */
function engine(failing: string[] = []) {
  const asked: string[] = [];
  const warmed: string[] = [];
  const deps = {
    view: async (path: string, variant: 'preview' | 'full'): Promise<Result<ImageView>> => {
      asked.push(`${variant}:${path}`);
      if (failing.includes(path))
        return { ok: false, error: { code: 'IMAGE_DECODE_FAILED', message: `cannot read ${path}` } };
      return { ok: true, value: view(path, variant) };
    },
    warm: (path: string) => void warmed.push(path),
  };
  return { deps, asked, warmed };
}

describe('ImageVariants', () => {
  it('asks for each view of an image once, and tells its listeners when one arrives', async () => {
    const { deps, asked } = engine();
    const variants = new ImageVariants(deps);
    let changes = 0;
    const stop = variants.subscribe(() => changes++);
    expect(variants.get('k1')).toEqual({});
    await Promise.all([variants.load('k1', 'a.jpg', 'preview'), variants.load('k1', 'a.jpg', 'preview')]);
    await variants.load('k1', 'a.jpg', 'full');
    await variants.load('k1', 'a.jpg', 'preview');
    stop();
    expect(asked).toEqual(['preview:a.jpg', 'full:a.jpg']);
    expect(variants.get('k1')).toEqual({ preview: view('a.jpg', 'preview'), full: view('a.jpg', 'full') });
    expect(changes).toBe(2);
  });

  it('keeps the same object for an image until its views change (a stable snapshot for React)', async () => {
    const variants = new ImageVariants(engine().deps);
    await variants.load('k1', 'a.jpg', 'preview');
    const before = variants.get('k1');
    expect(variants.get('k1')).toBe(before);
    await variants.load('k1', 'a.jpg', 'full');
    expect(variants.get('k1')).not.toBe(before);
    expect(variants.get(null)).toBe(variants.get('never'));
  });

  it('records why a preview failed and asks again next time; a failed full resolution is not shown', async () => {
    const { deps, asked } = engine(['bad.jpg']);
    const variants = new ImageVariants(deps);
    await variants.load('bad', 'bad.jpg', 'preview');
    expect(variants.get('bad')).toEqual({ error: 'cannot read bad.jpg' });
    await variants.load('bad', 'bad.jpg', 'full');
    expect(variants.get('bad')).toEqual({ error: 'cannot read bad.jpg' });
    await variants.load('bad', 'bad.jpg', 'preview');
    expect(asked).toEqual(['preview:bad.jpg', 'full:bad.jpg', 'preview:bad.jpg']);
  });

  it('keeps the last few images only', async () => {
    const variants = new ImageVariants(engine().deps, 2);
    for (const k of ['k1', 'k2', 'k3']) await variants.load(k, `${k}.jpg`, 'preview');
    expect([variants.get('k1'), !!variants.get('k2').preview, !!variants.get('k3').preview]).toEqual([{}, true, true]);
  });

  it('prefetches a neighbour: its preview asked for and its file warmed', async () => {
    const { deps, warmed } = engine(['bad.jpg']);
    const variants = new ImageVariants(deps);
    await variants.prefetch('k2', 'b.jpg');
    await variants.prefetch('k3', 'bad.jpg');
    expect(warmed).toEqual(['/cache/preview/b.jpg']);
    expect(variants.get('k2').preview?.path).toBe('/cache/preview/b.jpg');
  });
});
