import { startTestHost } from '../engine-harness';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { LabelFile, NormPoint } from '../../../src/shared/labels';
import type { Result } from '../../../src/shared/result';
import { invokeHandler } from '../../../src/host/verb';
import type { Host } from '../../../src/host/host';
import { designRecord } from '../../fixtures/labels';
import { jpeg } from '../../fixtures/images';
import { repoRoot, tempDir, waitFor } from '../../helpers';

/**
 * The fault suite of issue 12 for label files: concurrent saves in one host, saves racing another
 * process that writes the same file, and a host killed in the middle of saving. Real files, real
 * processes; no timing is asserted, only what ends up on disk.
 */

const WATCH = 'PATEK_nab_001';
const IMAGES = Array.from({ length: 10 }, (_, i) => `${WATCH}_${String(i).padStart(2, '0')}`);
const bin = join(repoRoot, 'bin', 'loupe.js');
const writer = join(repoRoot, 'test', 'fixtures', 'locked-label-writer.mjs');

const coordsFor = (x: number): Record<'top' | 'bottom' | 'left' | 'right' | 'center', NormPoint> => ({
  ...designRecord().coords_norm,
  top: [x, 0.2],
});

describe('label files under concurrent writers', () => {
  let tmp: { path: string; cleanup: () => Promise<void> };
  let photos: string;
  let humanFile: string;
  let host: Host;
  const children: ChildProcess[] = [];
  const call = (channel: string, ...args: unknown[]): Promise<Result<unknown>> =>
    invokeHandler(host.handlers, channel, args);
  const review = (imageKey: string, x: number): Promise<Result<unknown>> =>
    call('keypoints:review', photos, { kind: 'accept', imageKey, coords: coordsFor(x) });
  const onDisk = async (): Promise<LabelFile> => JSON.parse(await readFile(humanFile, 'utf8')) as LabelFile;

  beforeEach(async () => {
    tmp = await tempDir();
    photos = join(tmp.path, 'downloaded_images');
    await mkdir(photos);
    await mkdir(join(tmp.path, 'alignment_labels'));
    await mkdir(join(tmp.path, 'alignment_labels_predicted'));
    humanFile = join(tmp.path, 'alignment_labels', `${WATCH}.json`);
    const predicted: LabelFile = {};
    const image = await jpeg(40, 30);
    for (const key of IMAGES) {
      await writeFile(join(photos, `${key}_front.jpg`), image);
      predicted[key] = { ...designRecord(), full_image_name: `${key}_front.jpg` };
    }
    await writeFile(join(tmp.path, 'alignment_labels_predicted', `${WATCH}.json`), JSON.stringify(predicted));
    // A human label another tool wrote, with a field Loupe does not know.
    await writeFile(
      humanFile,
      JSON.stringify({ KEEP_me_001_01: { ...designRecord(), annotator: 'bob', custom_field: { x: 1 } } }),
    );
    host = await startTestHost(tmp.path);
    // The user opened the photos folder: the only act that lets the renderer review labels there.
    const opened = await call('folders:open', photos);
    if (!opened.ok) throw new Error(opened.error.message);
  });
  afterEach(async () => {
    for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    await host.stop();
    await tmp.cleanup();
  });

  it('ten reviews sent at once for different images of one watch file are all on disk', async () => {
    const results = await Promise.all(IMAGES.map((key, i) => review(key, (30 + i) / 100)));
    expect(results.every((r) => r.ok)).toBe(true);
    const file = await onDisk();
    for (const [i, key] of IMAGES.entries()) {
      expect(file[key]?.annotator, key).not.toMatch(/^ml-model/);
      expect(file[key]?.coords_norm.top, key).toEqual([(30 + i) / 100, 0.2]);
    }
    // What another tool wrote stays, unknown fields included.
    expect(file.KEEP_me_001_01).toMatchObject({ annotator: 'bob', custom_field: { x: 1 } });
  });

  it('reviews racing another process that replaces the file every 2–20 ms lose no edit of either', async () => {
    const external = 40;
    const child = spawn(process.execPath, [writer, humanFile, String(external)], { stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(child);
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    // Three rounds over the ten images while the other process writes: the last round must win.
    const rounds = [0.31, 0.32, 0.33];
    for (const x of rounds) {
      const results = await Promise.all(IMAGES.map((key) => review(key, x)));
      expect(results.filter((r) => !r.ok)).toEqual([]);
    }
    expect(await exited, stderr).toBe(0);
    const file = await onDisk();
    const lostExternal = Array.from({ length: external }, (_, n) => `EXT_${n}`).filter(
      (k) => file[k]?.other_tool_field === undefined,
    );
    expect(lostExternal).toEqual([]);
    for (const key of IMAGES) expect(file[key]?.coords_norm.top, key).toEqual([0.33, 0.2]);
    expect(file.KEEP_me_001_01).toMatchObject({ annotator: 'bob', custom_field: { x: 1 } });
  });

  it('a host killed with SIGKILL while saving leaves the old or the new file, never a torn one', async () => {
    const sent = new Set<number>([designRecord().coords_norm.top[0]]);
    for (let round = 0; round < 3; round++) {
      const child = spawn(process.execPath, [bin, 'serve', '--port', '0', '--data-dir', join(tmp.path, 'serve')], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      children.push(child);
      let stdout = '';
      child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
      const url = new URL(
        await waitFor(() => /(http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]+)/.exec(stdout)?.[1], 30_000, 'the URL'),
      );
      const token = url.searchParams.get('token') as string;
      const invokeThere = (channel: string, args: unknown[]) =>
        fetch(`${url.origin}/api/invoke`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-loupe-token': token },
          body: JSON.stringify({ channel, args }),
        });
      expect((await invokeThere('folders:open', [photos])).ok).toBe(true);
      const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
      // Save in a loop (several in flight) until the process is killed under it.
      let killed = false;
      let saved = 0;
      const saver = async (lane: number): Promise<void> => {
        for (let i = 0; !killed; i++) {
          const x = (20_000 + round * 10_000 + lane * 1_000 + (i % 1_000)) / 100_000;
          sent.add(x);
          const r = await fetch(`${url.origin}/api/invoke`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', 'x-loupe-token': token },
            body: JSON.stringify({
              channel: 'keypoints:review',
              args: [photos, { kind: 'accept', imageKey: IMAGES[lane], coords: coordsFor(x) }],
            }),
          }).catch(() => null);
          if (r?.ok) saved++;
        }
      };
      const lanes = [0, 1, 2].map(saver);
      await waitFor(() => saved >= 5 + round * 7, 30_000, 'some saves');
      child.kill('SIGKILL');
      killed = true;
      await exited;
      await Promise.all(lanes);
      // Whole JSON, every record there, each saved record one of the versions sent.
      const file = await onDisk();
      expect(file.KEEP_me_001_01).toMatchObject({ annotator: 'bob', custom_field: { x: 1 } });
      for (const lane of [0, 1, 2]) {
        const top = file[IMAGES[lane] as string]?.coords_norm.top[0];
        if (top !== undefined) expect(sent.has(top), `${IMAGES[lane]} top ${top}`).toBe(true);
      }
    }
    // The next save goes through (a lock the killed process held is recovered as stale).
    expect((await review(IMAGES[9] as string, 0.44)).ok).toBe(true);
    expect((await onDisk())[IMAGES[9] as string]?.coords_norm.top).toEqual([0.44, 0.2]);
    const names = await readdir(join(tmp.path, 'alignment_labels'));
    expect(names.filter((n) => n.endsWith('.json'))).toEqual([`${WATCH}.json`]);
  }, 120_000);
});
