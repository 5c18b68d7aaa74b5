import { useEffect, useState } from 'react';

/** True once the frame has stayed put for a moment (and nothing is playing). */
export function useSettled(frame: number, playing: boolean, ms = 180): boolean {
  const [settled, setSettled] = useState<number | null>(null);
  useEffect(() => {
    if (playing) return;
    const t = setTimeout(() => setSettled(frame), ms);
    return () => clearTimeout(t);
  }, [frame, playing, ms]);
  return !playing && settled === frame;
}
