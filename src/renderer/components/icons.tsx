/** Small inline icons (stroke = currentColor), so no icon font or external asset is needed. */
import type { ReactElement } from 'react';

type IconProps = { size?: number; title?: string };

const make =
  (paths: ReactElement): ((p: IconProps) => ReactElement) =>
  ({ size = 16, title }: IconProps) => (
    <svg
      width={size}
      height={size}
      viewBox="0 0 24 24"
      fill="none"
      stroke="currentColor"
      strokeWidth={1.8}
      strokeLinecap="round"
      strokeLinejoin="round"
      role={title ? 'img' : undefined}
      aria-hidden={title ? undefined : true}
      aria-label={title}
    >
      {paths}
    </svg>
  );

export const LoupeIcon = make(
  <>
    <circle cx="10" cy="10" r="6.5" />
    <path d="M15 15l5.5 5.5" />
    <circle cx="10" cy="10" r="1.4" fill="currentColor" />
  </>,
);
export const KeypointsIcon = make(
  <>
    <circle cx="12" cy="12" r="8" />
    <circle cx="12" cy="4" r="1.2" fill="currentColor" />
    <circle cx="12" cy="20" r="1.2" fill="currentColor" />
    <circle cx="4" cy="12" r="1.2" fill="currentColor" />
    <circle cx="20" cy="12" r="1.2" fill="currentColor" />
    <circle cx="12" cy="12" r="1.2" fill="currentColor" />
  </>,
);
export const CompareIcon = make(
  <>
    <rect x="3" y="5" width="18" height="14" rx="2" />
    <path d="M12 5v14" />
  </>,
);
export const ModelsIcon = make(
  <>
    <path d="M12 3l8 4.5v9L12 21l-8-4.5v-9z" />
    <path d="M12 12l8-4.5M12 12v9M12 12L4 7.5" />
  </>,
);
export const SettingsIcon = make(
  <>
    <circle cx="12" cy="12" r="3" />
    <path d="M19.4 15a1.7 1.7 0 00.3 1.8l.1.1a2 2 0 11-2.8 2.8l-.1-.1a1.7 1.7 0 00-1.8-.3 1.7 1.7 0 00-1 1.5V21a2 2 0 11-4 0v-.1a1.7 1.7 0 00-1.1-1.5 1.7 1.7 0 00-1.8.3l-.1.1a2 2 0 11-2.8-2.8l.1-.1a1.7 1.7 0 00.3-1.8 1.7 1.7 0 00-1.5-1H3a2 2 0 110-4h.1a1.7 1.7 0 001.5-1.1 1.7 1.7 0 00-.3-1.8l-.1-.1a2 2 0 112.8-2.8l.1.1a1.7 1.7 0 001.8.3H9a1.7 1.7 0 001-1.5V3a2 2 0 114 0v.1a1.7 1.7 0 001 1.5 1.7 1.7 0 001.8-.3l.1-.1a2 2 0 112.8 2.8l-.1.1a1.7 1.7 0 00-.3 1.8V9a1.7 1.7 0 001.5 1H21a2 2 0 110 4h-.1a1.7 1.7 0 00-1.5 1z" />
  </>,
);
export const JobsIcon = make(
  <>
    <path d="M4 6h16M4 12h10M4 18h7" />
  </>,
);
export const FolderIcon = make(<path d="M3 7a2 2 0 012-2h4l2 2h8a2 2 0 012 2v8a2 2 0 01-2 2H5a2 2 0 01-2-2z" />);
export const ImageIcon = make(
  <>
    <rect x="3" y="4" width="18" height="16" rx="2" />
    <circle cx="9" cy="10" r="1.8" />
    <path d="M21 16l-5-5-8 9" />
  </>,
);
export const UpIcon = make(<path d="M12 19V5M5 12l7-7 7 7" />);
export const PauseIcon = make(<path d="M9 5v14M15 5v14" />);
export const PlayIcon = make(<path d="M7 5l12 7-12 7z" />);
export const StopIcon = make(<rect x="6" y="6" width="12" height="12" rx="1.5" />);
export const CloseIcon = make(<path d="M6 6l12 12M18 6L6 18" />);
export const RefreshIcon = make(
  <>
    <path d="M20 11a8 8 0 10-2.3 5.7" />
    <path d="M20 4v7h-7" />
  </>,
);
