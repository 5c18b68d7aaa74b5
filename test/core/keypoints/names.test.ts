import { describe, expect, it } from 'vitest';
import {
  canonicalKeypointName,
  keypointForLabel,
  labelForKeypoint,
  normalizeKeypointLabel,
  parseKeypointLabelMap,
} from '../../../src/core/keypoints/names';

describe('keypoint names', () => {
  it.each([
    ['top', 'top'],
    ['Top', 'top'],
    ['12_oclock', 'top'],
    ["12 o'clock", 'top'],
    ['12-o-clock', 'top'],
    ['XII', 'top'],
    ['3_oclock', 'right'],
    ['3', 'right'],
    ['Right', 'right'],
    ['6_oclock', 'bottom'],
    ['six', 'bottom'],
    ['9_oclock', 'left'],
    ['IX', 'left'],
    ['clock_center', 'center'],
    ['Centre', 'center'],
    ['middle', 'center'],
    ['dial-top', 'top'],
    ['kp_centre', 'center'],
    ['12_oclock_marker', 'top'],
  ] as const)('%s → %s', (label, name) => {
    expect(canonicalKeypointName(label)).toBe(name);
  });

  it.each(['Hour', 'minute', 'second', 'logo', 'crown', 'top_left', 'dial', ''])(
    '%s names no dial keypoint',
    (label) => {
      expect(canonicalKeypointName(label)).toBeNull();
    },
  );

  it('normalises labels for comparison', () => {
    expect(normalizeKeypointLabel("12 O'Clock")).toBe('12oclock');
    expect(normalizeKeypointLabel('Clock-Centre')).toBe('clockcentre');
  });

  it('parses a label map case-insensitively; the map wins over synonyms', () => {
    const map = parseKeypointLabelMap('Top=top, Center=centre,Hour=12_oclock');
    expect(map.ok).toBe(true);
    if (!map.ok) return;
    expect(keypointForLabel('TOP', map.value)).toBe('top');
    expect(keypointForLabel('center', map.value)).toBe('center');
    expect(keypointForLabel('hour', map.value)).toBe('top');
    expect(keypointForLabel('3_oclock', map.value)).toBe('right'); // not in the map: synonyms
    expect(keypointForLabel('Minute', map.value)).toBeNull();
    expect(labelForKeypoint('top', map.value)).toBe('Top');
    expect(labelForKeypoint('center', map.value)).toBe('Center');
    expect(labelForKeypoint('left', map.value)).toBeNull();
  });

  it('refuses label maps it cannot read, saying why', () => {
    const bad = (spec: string): string => {
      const r = parseKeypointLabelMap(spec);
      return r.ok ? 'ok' : `${r.error.code}: ${r.error.message}`;
    };
    expect(bad('Top')).toBe('INVALID_ARGUMENT: label map entry "Top" is not LABEL=KEYPOINT');
    expect(bad('Top=hour')).toMatch(/"hour" is not a dial keypoint/);
    expect(bad('Top=top,top=bottom')).toMatch(/maps "top" to both top and bottom/);
    expect(bad(' , ')).toMatch(/empty/);
  });
});
