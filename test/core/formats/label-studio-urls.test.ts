import { describe, expect, it } from 'vitest';
import { parseImageReference } from '../../../src/core/formats/label-studio-urls';

/** base64url, as Label Studio's storage links write `fileuri`. */
const b64url = (s: string): string => Buffer.from(s).toString('base64url');

describe('Label Studio image references', () => {
  it.each([
    // Local files, relative to LOCAL_FILES_DOCUMENT_ROOT (io_storages/localfiles/README.md).
    [
      '/data/local-files/?d=images/PATEK_nab_001_03.jpg',
      'local-files',
      'images/PATEK_nab_001_03.jpg',
      'PATEK_nab_001_03.jpg',
    ],
    ['/data/local-files?d=watches/a%20b/X_1.png', 'local-files', 'watches/a b/X_1.png', 'X_1.png'],
    ['http://localhost:8080/data/local-files/?d=dial+photos/Y.jpg', 'local-files', 'dial photos/Y.jpg', 'Y.jpg'],
    ['/data/local-files/?d=C:\\data\\shots\\Z.JPG', 'local-files', 'C:/data/shots/Z.JPG', 'Z.JPG'],
    // Uploads: upload/<project>/<uuid4()[:8]>-<name> (data_import/models.py).
    [
      '/data/upload/3/1a2b3c4d-PATEK_nab_001_03.jpg',
      'upload',
      'upload/3/1a2b3c4d-PATEK_nab_001_03.jpg',
      'PATEK_nab_001_03.jpg',
    ],
    [
      'upload/12/deadbeef-ROLEX_sub_002_01.png',
      'upload',
      'upload/12/deadbeef-ROLEX_sub_002_01.png',
      'ROLEX_sub_002_01.png',
    ],
    ['/storage-data/uploaded/?filepath=upload/3/0a1b2c3d-W.jpg', 'upload', 'upload/3/0a1b2c3d-W.jpg', 'W.jpg'],
    ['/data/upload/3/no-hash-here.jpg', 'upload', 'upload/3/no-hash-here.jpg', 'no-hash-here.jpg'],
    // Cloud storage keys.
    ['s3://watch-bucket/photos/PATEK_nab_001_03.jpg', 'cloud', 'photos/PATEK_nab_001_03.jpg', 'PATEK_nab_001_03.jpg'],
    ['gs://bucket/a/b/c.jpeg', 'cloud', 'a/b/c.jpeg', 'c.jpeg'],
    ['azure-blob://container/dir/d%20e.png', 'cloud', 'dir/d e.png', 'd e.png'],
    // Presign/resolve proxies, raw or base64 URI inside.
    [`/tasks/7/presign/?fileuri=${b64url('s3://b/k/P.jpg')}`, 'cloud', 'k/P.jpg', 'P.jpg'],
    [`https://ls.example/tasks/7/resolve/?fileuri=${encodeURIComponent('gs://b/Q.jpg')}`, 'cloud', 'Q.jpg', 'Q.jpg'],
    // http(s): the path's last part; a presigned query is not part of the name.
    ['https://cdn.example/img/R%2B1.jpg?X-Amz-Signature=abc', 'http', '/img/R+1.jpg', 'R+1.jpg'],
    // Plain paths.
    ['/home/me/watches/S.jpg', 'path', '/home/me/watches/S.jpg', 'S.jpg'],
    ['images/T.jpg', 'path', 'images/T.jpg', 'T.jpg'],
    ['U.jpg', 'path', 'U.jpg', 'U.jpg'],
    ['C:\\photos\\V.jpg', 'path', 'C:/photos/V.jpg', 'V.jpg'],
    ['file:///srv/w/W2.jpg', 'path', '/srv/w/W2.jpg', 'W2.jpg'],
  ])('%s', (value, kind, path, name) => {
    expect(parseImageReference(value)).toEqual({ ok: true, ref: { kind, path, name } });
  });

  it('keeps an 8-hex prefix of a file that is not an upload', () => {
    const r = parseImageReference('/data/local-files/?d=images/deadbeef-real-name.jpg');
    expect(r.ok && r.ref.name).toBe('deadbeef-real-name.jpg');
  });

  it.each([
    ['/data/local-files/?d=', /empty \?d= path/],
    ['/data/local-files/', /no \?d= path/],
    ['https://cdn.example/', /names no file/],
    ['data:image/png;base64,AAAA', /data: URI/],
    ['', /empty/],
    ['/tasks/7/presign/?fileuri=%%%', /no readable \?fileuri=/],
    ['ftp://host/x.jpg', /not one Label Studio writes/],
    ['s3://bucket', /names no object key/],
  ])('%s has no usable image name', (value, reason) => {
    const r = parseImageReference(value);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toMatch(reason);
  });

  it('says what is wrong with a field that is not a reference', () => {
    expect(parseImageReference(undefined)).toEqual({ ok: false, reason: 'the task has no image' });
    expect(parseImageReference(['a.jpg', 'b.jpg'])).toMatchObject({ ok: false, reason: expect.stringMatching(/list/) });
    expect(parseImageReference(3)).toMatchObject({ ok: false, reason: expect.stringMatching(/not a string/) });
  });
});
