import { describe, expect, it } from 'vitest';
import type { LabelRecord } from '../../../src/shared/labels';
import {
  describeRepredicted,
  isSureFit,
  recordedTemplates,
  repredictedInfo,
  repredictedOf,
  siblingTemplateVia,
  staleness,
  templatesInfo,
} from '../../../src/core/keypoints/template-provenance';
import { designRecord } from '../../fixtures/labels';

const own = { key: 'PATEK_nab_001_03', watchId: 'PATEK_nab_001' };
const sibling = { key: 'PATEK_nab_001_05', watchId: 'PATEK_nab_001' };
const other = { key: 'PATEK_nab_002_01', watchId: 'PATEK_nab_002' };

/** A prediction of an image of PATEK_nab_001 with `templates` as it recorded them. */
const predicted = (tier: '' | '-pipeline-fallback', offered: (typeof own)[], used: string | null): LabelRecord => ({
  ...designRecord(),
  annotator: `loupe-dial-v1${tier}`,
  debug_info: {
    method: used ? 'YOLO-Match-Homography' : 'pose',
    template_key: used,
    templates: templatesInfo(offered, used, 'PATEK_nab_001'),
  },
});

describe('template provenance', () => {
  it('records which templates were offered, of which watch, and which one fitted', () => {
    expect(templatesInfo([own, other], 'PATEK_nab_002_01', 'PATEK_nab_001')).toEqual({
      offered: [
        { key: 'PATEK_nab_001_03', watch_id: 'PATEK_nab_001', same_watch: true },
        { key: 'PATEK_nab_002_01', watch_id: 'PATEK_nab_002', same_watch: false },
      ],
      used: 'PATEK_nab_002_01',
      used_same_watch: false,
    });
    expect(templatesInfo([], null, 'PATEK_nab_001')).toEqual({ offered: [], used: null, used_same_watch: null });
  });

  it('a fallback with no template is redone once its own watch has one, and says which', () => {
    expect(staleness(predicted('-pipeline-fallback', [], null), 'PATEK_nab_001', [own])).toEqual({
      reason: 'own-watch-template',
      template: 'PATEK_nab_001_03',
    });
  });

  it("a fit to another watch's template is redone when its own watch gets one; a fit to its own never", () => {
    const fromOther = predicted('', [other], 'PATEK_nab_002_01');
    expect(staleness(fromOther, 'PATEK_nab_001', [own, other])?.reason).toBe('own-watch-template');
    const fromOwn = predicted('', [own], 'PATEK_nab_001_03');
    expect(staleness(fromOwn, 'PATEK_nab_001', [sibling, own])).toBeNull();
  });

  it('a fallback gets a first template of its template model; a full fit from another watch does not', () => {
    expect(staleness(predicted('-pipeline-fallback', [], null), 'PATEK_nab_001', [other])).toEqual({
      reason: 'model-template',
      template: 'PATEK_nab_002_01',
    });
    const fromOther = predicted('', [other], 'PATEK_nab_002_01');
    expect(
      staleness(fromOther, 'PATEK_nab_001', [other, { key: 'PATEK_nab_003_01', watchId: 'PATEK_nab_003' }]),
    ).toBeNull();
  });

  it('settles: a prediction that failed with the templates it has now is not redone until a new one appears', () => {
    const failed = predicted('-pipeline-fallback', [own], null);
    expect(staleness(failed, 'PATEK_nab_001', [own])).toBeNull();
    expect(staleness(failed, 'PATEK_nab_001', [sibling, own])).toEqual({
      reason: 'own-watch-template',
      template: 'PATEK_nab_001_05',
    });
  });

  it('reads records written before templates were recorded by their template_key', () => {
    const legacy = {
      ...designRecord(),
      debug_info: { method: 'YOLO-LoFTR-Homography', template_key: 'PATEK_nab_001_03' },
    };
    expect(recordedTemplates(legacy, 'PATEK_nab_001', () => 'PATEK_nab_001').used_same_watch).toBe(true);
    expect(staleness(legacy, 'PATEK_nab_001', [own, sibling])).toBeNull();
    const legacyFallback = { ...designRecord(), annotator: 'ml-model-v1.0-pipeline-fallback', debug_info: {} };
    expect(staleness(legacyFallback, 'PATEK_nab_001', [own])?.template).toBe('PATEK_nab_001_03');
  });

  it('notes what a re-prediction replaced, and reads the note back', () => {
    const before = predicted('-pipeline-fallback', [], null);
    const info = repredictedInfo({ reason: 'own-watch-template', template: 'PATEK_nab_001_03' }, before);
    expect(info.previous).toEqual({
      annotator: 'loupe-dial-v1-pipeline-fallback',
      method: 'pose',
      template_key: null,
      confidence: 0.289,
    });
    expect(repredictedOf({ debug_info: { repredicted: JSON.parse(JSON.stringify(info)) } })).toEqual(info);
    expect(repredictedOf({ debug_info: { repredicted: { reason: 'other' } } })).toBeNull();
    expect(repredictedOf(null)).toBeNull();
  });
});

describe('describeRepredicted', () => {
  const before = predicted('-pipeline-fallback', [], null);
  const note = repredictedInfo({ reason: 'own-watch-template', template: 'PATEK_nab_001_03' }, before);
  it('names the template a redone record was fitted to and what it was before', () => {
    const after = {
      ...predicted('', [own], 'PATEK_nab_001_03'),
      debug_info: { ...predicted('', [own], 'PATEK_nab_001_03').debug_info, repredicted: note },
    };
    expect(describeRepredicted(after)).toEqual({
      mark: 'refit',
      badge: 're-predicted from PATEK_nab_001_03',
      sentence:
        'Re-predicted from PATEK_nab_001_03, a new template of its own watch ID; was pipeline fallback (pose), confidence 0.29.',
    });
  });
  it('says when the new template did not fit, and nothing for a record that was not redone', () => {
    const still = { ...before, debug_info: { ...before.debug_info, repredicted: note } };
    expect(describeRepredicted(still)).toMatchObject({
      mark: 'no fit',
      badge: 're-predicted, no fit to PATEK_nab_001_03',
    });
    expect(describeRepredicted(still)?.sentence).toMatch(/did not fit this photo; still pipeline fallback/);
    expect(describeRepredicted(before)).toBeNull();
  });
});

describe('sibling templates', () => {
  const config = { minInliers: 10, minNcc: 0.25 };
  /** A full-tier fit to `used` (a human label unless `via`), with the fit's numbers. */
  const fit = (o: {
    used: string;
    sameWatch?: boolean;
    via?: string;
    inliers: number;
    matches: number;
    ncc: number;
  }) => {
    const ref = { key: o.used, watchId: o.sameWatch === false ? 'PATEK_nab_002' : 'PATEK_nab_001', via: o.via };
    return {
      ...designRecord(),
      annotator: 'loupe-dial-v1',
      debug_info: {
        method: 'YOLO-Match-Homography',
        template_key: o.used,
        homography_inliers: o.inliers,
        matches: o.matches,
        ncc: o.ncc,
        templates: templatesInfo([ref], o.used, 'PATEK_nab_001'),
      },
    };
  };

  it('a sure fit from a human label of its watch or its model serves its watch as a template, naming the label', () => {
    expect(siblingTemplateVia(fit({ used: 'PATEK_nab_001_03', inliers: 38, matches: 87, ncc: 0.7 }), config)).toBe(
      'PATEK_nab_001_03',
    );
    expect(
      siblingTemplateVia(
        fit({ used: 'PATEK_nab_002_01', sameWatch: false, inliers: 85, matches: 111, ncc: 0.57 }),
        config,
      ),
    ).toBe('PATEK_nab_002_01');
  });

  it('never a weak fit, a fallback, or a fit to a sibling (one step from a person at most)', () => {
    // Too few inliers (< 2 × minInliers), too small a share of the matches, a print that disagrees.
    expect(
      siblingTemplateVia(fit({ used: 'PATEK_nab_001_03', inliers: 17, matches: 30, ncc: 0.5 }), config),
    ).toBeNull();
    expect(
      siblingTemplateVia(fit({ used: 'PATEK_nab_001_03', inliers: 30, matches: 100, ncc: 0.5 }), config),
    ).toBeNull();
    expect(
      siblingTemplateVia(fit({ used: 'PATEK_nab_001_03', inliers: 60, matches: 80, ncc: 0.2 }), config),
    ).toBeNull();
    const fallback = { ...fit({ used: 'PATEK_nab_001_03', inliers: 60, matches: 80, ncc: 0.6 }) };
    expect(siblingTemplateVia({ ...fallback, annotator: 'loupe-dial-v1-pipeline-fallback' }, config)).toBeNull();
    const second = fit({ used: 'PATEK_nab_001_05', via: 'PATEK_nab_001_03', inliers: 60, matches: 80, ncc: 0.6 });
    expect(second.debug_info.templates).toMatchObject({ used: 'PATEK_nab_001_05', via: 'PATEK_nab_001_03' });
    expect(siblingTemplateVia(second, config)).toBeNull();
    expect(siblingTemplateVia(predicted('', [own], 'PATEK_nab_001_03'), config)).toBeNull(); // no fit numbers
  });

  it('a fit to a sibling must be sure at the ordinary inlier count: the share of matches decides', () => {
    // The samples' cases: a right one (13 of 19, NCC 0.31) and a chance fit (15 of 51, 70 % off).
    const right = fit({ used: 'PATEK_nab_001_05', via: 'PATEK_nab_001_03', inliers: 13, matches: 19, ncc: 0.31 });
    const chance = fit({ used: 'PATEK_nab_001_05', via: 'PATEK_nab_001_03', inliers: 15, matches: 51, ncc: 0.39 });
    expect(isSureFit(right, config, 1)).toBe(true);
    expect(isSureFit(chance, config, 1)).toBe(false);
    expect(isSureFit(right, config)).toBe(false); // not enough to serve as a template itself
  });

  it('says which sibling a record was fit to and which label that sibling came from', () => {
    const before = predicted('-pipeline-fallback', [own], null);
    const note = repredictedInfo({ reason: 'own-watch-template', template: 'PATEK_nab_001_03' }, before);
    const r = fit({ used: 'PATEK_nab_001_05', via: 'PATEK_nab_001_03', inliers: 13, matches: 19, ncc: 0.31 });
    const after = { ...r, debug_info: { ...r.debug_info, repredicted: note } };
    expect(recordedTemplates(after, 'PATEK_nab_001', () => undefined).via).toBe('PATEK_nab_001_03');
    expect(describeRepredicted(after)).toMatchObject({
      mark: 'refit',
      badge: 're-predicted from PATEK_nab_001_05 (fit from PATEK_nab_001_03)',
    });
    expect(describeRepredicted(after)?.sentence).toMatch(
      /^Re-predicted from PATEK_nab_001_05, a sure fit of its own watch ID to PATEK_nab_001_03, after PATEK_nab_001_03 was labelled/,
    );
    // A fit to a sibling is a fit of its own watch: not redone when another label appears.
    expect(staleness(after, 'PATEK_nab_001', [own, { key: 'PATEK_nab_001_07', watchId: 'PATEK_nab_001' }])).toBeNull();
  });
});
