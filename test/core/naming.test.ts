import { describe, expect, it } from 'vitest';
import { DEFAULT_NAMING_PATTERN } from '../../src/shared/settings';
import { compileNamingPattern, identifyImage, isImageFileName } from '../../src/core/naming';
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
