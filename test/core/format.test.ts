import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { isoTimestamp, toIsoTimestamp } from '../../src/core/format';

describe('isoTimestamp', () => {
  it('writes UTC with microseconds and an explicit +00:00 offset', () => {
    expect(isoTimestamp(Date.parse('2026-02-03T04:05:06.789Z'))).toBe('2026-02-03T04:05:06.789000+00:00');
    expect(isoTimestamp(new Date(0))).toBe('1970-01-01T00:00:00.000000+00:00');
    // Read back by JavaScript to the same instant.
    const t = Date.UTC(2026, 11, 2, 13, 4, 5, 6);
    expect(Date.parse(isoTimestamp(t))).toBe(t);
  });

  it.skipIf(spawnSync('/usr/bin/python3', ['-c', 'pass']).status !== 0)(
    "is read by Python's datetime.fromisoformat as the same aware UTC instant",
    () => {
      const t = Date.parse('2026-02-03T04:05:06.789Z');
      const py = spawnSync(
        '/usr/bin/python3',
        [
          '-c',
          'import sys, datetime; d = datetime.datetime.fromisoformat(sys.argv[1]); print(d.utcoffset(), d.timestamp())',
          isoTimestamp(t),
        ],
        { encoding: 'utf8' },
      );
      expect(py.status, py.stderr).toBe(0);
      expect(py.stdout.trim()).toBe(`0:00:00 ${t / 1000}`);
    },
  );
});

describe('toIsoTimestamp', () => {
  it("keeps another tool's UTC microseconds, converts offsets, leaves zoneless times alone", () => {
    expect(toIsoTimestamp('2025-03-01T09:12:44.201311Z')).toBe('2025-03-01T09:12:44.201311+00:00');
    expect(toIsoTimestamp('2025-03-01T09:12:44Z')).toBe('2025-03-01T09:12:44.000000+00:00');
    expect(toIsoTimestamp('2025-03-01T09:12:44.5+00:00')).toBe('2025-03-01T09:12:44.500000+00:00');
    expect(toIsoTimestamp('2025-03-01T11:12:44.250+02:00')).toBe('2025-03-01T09:12:44.250000+00:00');
    expect(toIsoTimestamp('2024-12-22T11:42:58.831796')).toBe('2024-12-22T11:42:58.831796');
    expect(toIsoTimestamp('yesterday')).toBe('yesterday');
  });
});
