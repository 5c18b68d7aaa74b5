import { useEffect, useState } from 'react';

/** An image element for `url`, decoded off the main thread; null until it is ready (or on error). */
export function useImageElement(url: string | null): HTMLImageElement | null {
  const [loaded, setLoaded] = useState<{ url: string; el: HTMLImageElement } | null>(null);
  useEffect(() => {
    if (!url) return;
    let live = true;
    const img = new Image();
    img.decoding = 'async';
    img.src = url;
    img
      .decode()
      .then(() => {
        if (live) setLoaded({ url, el: img });
      })
      .catch(() => undefined);
    return () => {
      live = false;
    };
  }, [url]);
  return loaded && loaded.url === url ? loaded.el : null;
}
