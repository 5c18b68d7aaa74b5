import { describe, expect, it } from 'vitest';
import { EXTERNAL_LINK_HOSTS, isAllowedExternalUrl } from '../../src/main/external-links';

describe('external links (shell.openExternal allowlist)', () => {
  it('allows https to the listed hosts only', () => {
    expect(EXTERNAL_LINK_HOSTS).toContain('github.com');
    for (const url of [
      'https://github.com/microsoft/onnxruntime',
      'https://onnxruntime.ai/docs/',
      'https://mlflow.org',
    ])
      expect(isAllowedExternalUrl(url), url).toBe(true);
  });

  it('refuses other schemes, hosts, look-alikes, credentials and ports', () => {
    for (const url of [
      'http://github.com/',
      'file:///etc/passwd',
      'smb://server/share',
      'javascript:alert(1)',
      'ms-msdt:/id',
      'app://loupe/index.html',
      'https://evil.example/',
      'https://github.com.evil.example/',
      'https://evilgithub.com/',
      'https://gist.github.com/',
      'https://user:pass@github.com/',
      'https://github.com:8443/',
      'not a url',
      '',
    ])
      expect(isAllowedExternalUrl(url), url).toBe(false);
  });
});
