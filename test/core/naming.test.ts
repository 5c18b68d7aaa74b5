import { describe, expect, it } from 'vitest';
import { DEFAULT_NAMING_PATTERN } from '../../src/shared/settings';
import { compileNamingPattern, identifyImage, isImageFileName, previewNaming } from '../../src/core/naming';
import { unwrap } from '../../src/core/result';

const pattern = unwrap(compileNamingPattern(DEFAULT_NAMING_PATTERN));

describe('identifyImage', () => {
  it('reads image key, watch ID and template model as DESIGN.md names them', () => {
    expect(identifyImage('PATEK_nab_001_03_tiltface_q1.jpg', pattern, 'root')).toEqual({
      imageKey: 'PATEK_nab_001_03',
      watchId: 'PATEK_nab_001',
      templateModel: 'nab',
      named: true,
    });
    expect(identifyImage('sub/ROLEX_sub-date_042_11.png', pattern, 'root')).toMatchObject({
      imageKey: 'ROLEX_sub-date_042_11',
      watchId: 'ROLEX_sub-date_042',
      templateModel: 'sub-date',
    });
  });

  it('groups names that do not match by their folder, never drops them', () => {
    expect(identifyImage('casio/IMG_0039.jpg', pattern, 'root')).toEqual({
      imageKey: 'IMG_0039',
      watchId: 'casio',
      templateModel: null,
      named: false,
    });
    expect(identifyImage('photo.jpeg', pattern, 'root')).toMatchObject({
      imageKey: 'photo',
      watchId: 'root',
      named: false,
    });
  });

  it('refuses patterns without the needed groups or that do not compile', () => {
    expect(compileNamingPattern('^(?<watchId>.*)$').ok).toBe(false);
    expect(compileNamingPattern('(?<imageKey>(?<watchId>[)').ok).toBe(false);
  });
});

describe('isImageFileName', () => {
  it('knows image extensions and skips hidden files', () => {
    expect(isImageFileName('a.JPG')).toBe(true);
    expect(isImageFileName('a.tiff')).toBe(true);
    expect(isImageFileName('._a.jpg')).toBe(false);
    expect(isImageFileName('labels.json')).toBe(false);
    expect(isImageFileName('jpg')).toBe(false);
  });
});

describe('previewNaming', () => {
  it('shows how each sample parses: watch ID, template model and view, or the folder it is grouped under', () => {
    const rows = unwrap(
      previewNaming(
        DEFAULT_NAMING_PATTERN,
        ['PATEK_nab_001_03_tiltface_q1.jpg', 'casio/IMG_0039.jpg', 'x.png'],
        'photos',
      ),
    );
    expect(rows.map((r) => [r.name, r.named, r.watchId, r.templateModel, r.view])).toEqual([
      ['PATEK_nab_001_03_tiltface_q1.jpg', true, 'PATEK_nab_001', 'nab', '03'],
      ['casio/IMG_0039.jpg', false, 'casio', null, null],
      ['x.png', false, 'photos', null, null],
    ]);
  });

  it('takes the view from a view group when the pattern has one, and says why a pattern is refused', () => {
    const withView = '^(?<imageKey>(?<watchId>IMG)-(?<view>\\d+))$';
    expect(unwrap(previewNaming(withView, ['IMG-0039.jpg'], 'r'))[0]).toMatchObject({
      imageKey: 'IMG-0039',
      watchId: 'IMG',
      view: '0039',
      named: true,
    });
    // A pattern whose image key is the watch ID has no view.
    expect(unwrap(previewNaming('^(?<imageKey>(?<watchId>.+))$', ['a.jpg'], 'r'))[0]?.view).toBeNull();
    const bad = previewNaming('^(?<watchId>.*)$', ['a.jpg'], 'r');
    expect(bad.ok ? null : bad.error.message).toMatch(/imageKey/);
  });
});
