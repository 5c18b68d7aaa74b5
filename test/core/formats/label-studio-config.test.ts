import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  chooseKeypointControl,
  controlLabelFor,
  parseLabelingConfig,
} from '../../../src/core/formats/label-studio-config';
import { parseKeypointLabelMap } from '../../../src/core/keypoints/names';
import { repoRoot } from '../../helpers';

const xml = readFileSync(join(repoRoot, 'test/fixtures/label-studio/labeling-config.xml'), 'utf8');

describe('Label Studio labeling config', () => {
  it('finds the KeyPointLabels controls, their names, labels (with aliases) and image field', () => {
    const config = parseLabelingConfig(xml);
    expect(config.ok).toBe(true);
    if (!config.ok) return;
    expect(config.value.keypointControls.map((c) => c.name)).toEqual(['dial', 'brand']);
    const dial = config.value.keypointControls[0]!;
    expect(dial).toMatchObject({ name: 'dial', toName: 'photo', imageDataKey: 'img', multiImage: false });
    expect(dial.labels).toEqual([
      { value: 'Top', keypoint: 'top' },
      { value: "3 o'clock", alias: 'R', keypoint: 'right' },
      { value: 'Bottom', keypoint: 'bottom' },
      { value: '9_oclock', keypoint: 'left' },
      { value: 'Center', keypoint: 'center' },
      { value: 'Hour', keypoint: null },
      { value: 'Minute', keypoint: null },
    ]);
    // The control whose labels name the most keypoints, unless one is named.
    expect(chooseKeypointControl(config.value)).toMatchObject({ ok: true, value: { name: 'dial' } });
    expect(chooseKeypointControl(config.value, 'brand')).toMatchObject({ ok: true, value: { name: 'brand' } });
    expect(chooseKeypointControl(config.value, 'nope')).toMatchObject({
      ok: false,
      error: {
        code: 'INVALID_ARGUMENT',
        message: expect.stringMatching(/no KeyPointLabels named "nope" \(it has dial, brand\)/),
      },
    });
    // What results carry for a keypoint: the alias when a label has one.
    expect(controlLabelFor(dial, 'right')).toBe('R');
    expect(controlLabelFor(dial, 'left')).toBe('9_oclock');
  });

  it('lets a label map name what synonyms do not', () => {
    const map = parseKeypointLabelMap('Hour=center');
    expect(map.ok).toBe(true);
    if (!map.ok) return;
    const config = parseLabelingConfig(xml, map.value);
    expect(config.ok && config.value.keypointControls[0]!.labels.find((l) => l.value === 'Hour')?.keypoint).toBe(
      'center',
    );
  });

  it('reads tags and attributes case-insensitively, and multi-image tags', () => {
    const config = parseLabelingConfig(
      '<view><image name="img" valueList="$pages"/><keypointlabels name="k" toname="img"><label value="Centre"/></keypointlabels></view>',
    );
    expect(config.ok && config.value.keypointControls[0]).toMatchObject({
      name: 'k',
      toName: 'img',
      imageDataKey: 'pages',
      multiImage: true,
      labels: [{ value: 'Centre', keypoint: 'center' }],
    });
  });

  it('refuses what is not a keypoint labeling config, saying why', () => {
    const message = (text: string): string => {
      const r = parseLabelingConfig(text);
      return r.ok ? 'ok' : r.error.message;
    };
    expect(message('<View><Image name="i" value="$image"/><RectangleLabels name="r" toName="i"/></View>')).toBe(
      'the labeling config has no <KeyPointLabels> control',
    );
    expect(message('<View><KeyPointLabels name="k"><Label value="Top"/></KeyPointLabels></View>')).toMatch(
      /lacks its name or toName/,
    );
    expect(message('')).toBe('the labeling config is empty');
    expect(message('<View><Image name="i"/>')).toMatch(/^the labeling config is not valid XML: .* \(line 1\)$/);
  });
});
