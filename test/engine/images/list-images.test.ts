import { chmod, mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { walkImages } from '../../../src/engine/images/list-images';
import { tempDir } from '../../helpers';

/** The folder walk reports what it cannot follow (link loops, broken links), never drops it silently. */
describe('walkImages', () => {
  let tmp: { path: string; cleanup: () => Promise<void> };
  beforeAll(async () => {
    tmp = await tempDir();
    const d = tmp.path;
    await writeFile(join(d, 'good.jpg'), 'x');
    await mkdir(join(d, 'sub'));
    await writeFile(join(d, 'sub', 'deep.png'), 'x');
    await symlink('self.jpg', join(d, 'self.jpg'));
    await symlink('b.jpg', join(d, 'a.jpg'));
    await symlink('a.jpg', join(d, 'b.jpg'));
    await symlink('nowhere.jpg', join(d, 'gone.jpg'));
    await symlink('good.jpg', join(d, 'alias.jpg'));
    await symlink('sub', join(d, 'sublink'));
    await symlink('notes.txt', join(d, 'notes-link.txt'));
  });
  afterAll(async () => {
    await chmod(tmp.path, 0o755);
    await tmp.cleanup();
  });

  it('lists images and says which links loop or lead nowhere', async () => {
    const { files, problems } = await walkImages(tmp.path, true);
    expect(files).toEqual(['alias.jpg', 'good.jpg', join('sub', 'deep.png')]);
    expect(problems).toEqual([
      { path: 'a.jpg', code: 'IO_ERROR', reason: 'a symbolic link loop (a.jpg → b.jpg)' },
      { path: 'b.jpg', code: 'IO_ERROR', reason: 'a symbolic link loop (b.jpg → a.jpg)' },
      { path: 'gone.jpg', code: 'NOT_FOUND', reason: 'a broken symbolic link (gone.jpg → nowhere.jpg)' },
      { path: 'self.jpg', code: 'IO_ERROR', reason: 'a symbolic link loop (self.jpg → self.jpg)' },
    ]);
  });
});
