import { describe, expect, it } from 'vitest';
import { AppFailure, attempt, isAppError, toAppError, unwrap } from '../../src/core/result';

describe('errors across boundaries', () => {
  it('keeps code, message, stack and the system code of thrown errors', () => {
    const e = Object.assign(new Error('no such file'), { code: 'ENOENT' });
    const app = toAppError(e);
    expect(app.code).toBe('NOT_FOUND');
    expect(app.message).toBe('no such file');
    expect(app.details?.cause).toBe('ENOENT');
    expect(String(app.details?.stack)).toContain('no such file');
    expect(JSON.parse(JSON.stringify(app))).toEqual(app);
  });

  it('passes AppFailures and AppErrors through and wraps anything else', async () => {
    expect(toAppError(new AppFailure('JOB_STATE', 'nope'))).toEqual({ code: 'JOB_STATE', message: 'nope' });
    expect(toAppError({ code: 'TIMEOUT', message: 't' })).toEqual({ code: 'TIMEOUT', message: 't' });
    expect(toAppError('plain')).toEqual({ code: 'INTERNAL', message: 'plain' });
    expect(isAppError({ code: 'WHATEVER', message: 'x' })).toBe(false);
    const r = await attempt(() => {
      throw new AppFailure('CANCELLED', 'stop');
    });
    expect(r).toEqual({ ok: false, error: { code: 'CANCELLED', message: 'stop' } });
    expect(() => unwrap(r)).toThrow(AppFailure);
  });
});
