/**
 * The app's sections. A section that does not work yet stays out of the navigation; its
 * description says what it will do (shown nowhere until it is `available`).
 */
export type SectionId = 'keypoints' | 'compare' | 'models' | 'settings';

export interface Section {
  id: SectionId;
  label: string;
  description: string;
  available: boolean;
}

export const SECTIONS: readonly Section[] = [
  {
    id: 'keypoints',
    label: 'Keypoints',
    description: 'Open a folder of watch photos: every image is read, measured and grouped by watch ID.',
    available: true,
  },
  {
    id: 'compare',
    label: 'Compare',
    description: 'Run restoration models over a frame sequence and compare their outputs side by side with PSNR/SSIM.',
    available: true,
  },
  {
    id: 'models',
    label: 'Models',
    description: 'Bundled and user models, their inputs and outputs, and the provider that runs them.',
    available: true,
  },
  {
    id: 'settings',
    label: 'Settings',
    description: 'Device, threads, model folders, file naming.',
    available: true,
  },
];

export const availableSections = (): Section[] => SECTIONS.filter((s) => s.available);
