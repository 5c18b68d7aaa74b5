import { describe, expect, it } from 'vitest';
import { modelNames, outputFrameNames } from '../../../src/core/restore/naming';

describe('outputFrameNames', () => {
  it('keeps each input stem, always as .png', () => {
    expect(outputFrameNames(['frame_0000.png', 'frame_0001.jpg', 'clip.v2.tif', 'sub/x.JPEG'])).toEqual([
      'frame_0000.png',
      'frame_0001.png',
      'clip.v2.png',
      'sub/x.png',
    ]);
  });

  it('keeps the extension of inputs whose stems collide, so no output overwrites another', () => {
    expect(outputFrameNames(['a.jpg', 'a.png', 'A.tif', 'b.jpg'])).toEqual([
      'a.jpg.png',
      'a.png.png',
      'A.tif.png',
      'b.png',
    ]);
  });

  it('numbers the frames by index under index naming', () => {
    expect(outputFrameNames(['x.png', 'y.jpg'], 'index')).toEqual(['frame_000000.png', 'frame_000001.png']);
  });
});

describe('modelNames', () => {
  const m = (base: string, source: string, runId: string | null = null) => ({ base, source, runId });

  it('keeps a name no other model has, and qualifies shared ones by their source', () => {
    expect(
      modelNames([
        m('loupe-restore-unet', 'bundled'),
        m('loupe-restore-dncnn', 'bundled'),
        m('loupe-restore-unet', 'folder:/models/a'),
        m('blur', 'folder:/models/a'),
      ]),
    ).toEqual(['loupe-restore-unet · bundled', 'loupe-restore-dncnn', 'loupe-restore-unet · a', 'blur']);
  });

  it('goes on qualifying until the names differ: two folders of one name, MLflow runs by id', () => {
    expect(
      modelNames([
        m('unet', 'folder:/x/models'),
        m('unet', 'folder:/y/models'),
        m('run_30ep_loss0.1000', 'mlflow:./mlruns', '1a2b3c4d5e'),
        m('run_30ep_loss0.1000', 'mlflow:./mlruns', '1a2b3c4d6f'),
      ]),
    ).toEqual([
      'unet · x_models',
      'unet · y_models',
      'run_30ep_loss0.1000 · 1a2b3c4d5e',
      'run_30ep_loss0.1000 · 1a2b3c4d6f',
    ]);
  });

  it('numbers models alike in everything, and compares names without case', () => {
    expect(modelNames([m('unet', 'bundled'), m('unet', 'bundled'), m('UNet', 'folder:/m')])).toEqual([
      'unet · bundled',
      'unet · bundled_2',
      'UNet · m',
    ]);
  });
});
