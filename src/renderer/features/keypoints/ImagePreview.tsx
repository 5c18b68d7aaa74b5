import { useEffect } from 'react';
import type { ScanImageData } from '../../../shared/jobs';
import { formatBytes } from '../../../core/format';
import { CloseIcon } from '../../components/icons';
import { useApi } from '../../lib/api';

/** The full image, EXIF-oriented by the browser, over the page; Esc or ←/→ to move. */
export function ImagePreview({
  image,
  onClose,
  onStep,
}: {
  image: ScanImageData;
  onClose: () => void;
  onStep: (delta: number) => void;
}) {
  const api = useApi();
  useEffect(() => {
    const onKey = (e: KeyboardEvent): void => {
      if (e.key === 'Escape') onClose();
      else if (e.key === 'ArrowRight') onStep(1);
      else if (e.key === 'ArrowLeft') onStep(-1);
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [onClose, onStep]);
  return (
    <div className="lightbox" role="dialog" aria-modal="true" aria-label={image.imageKey} onClick={onClose}>
      <header onClick={(e) => e.stopPropagation()}>
        <strong>{image.imageKey}</strong>
        <span className="dim">
          {image.width}×{image.height} · {image.format.toUpperCase()} · {formatBytes(image.bytes)}
          {image.orientation !== 1 ? ` · EXIF orientation ${image.orientation}` : ''}
        </span>
        <span className="dim">watch {image.watchId}</span>
        <span className="spacer" />
        <span className="faint mono">{image.path}</span>
        <button className="btn icon ghost" aria-label="Close preview" onClick={onClose}>
          <CloseIcon />
        </button>
      </header>
      <div className="stage">
        <img src={api.images.url(image.path)} alt={image.imageKey} onClick={(e) => e.stopPropagation()} />
      </div>
    </div>
  );
}
