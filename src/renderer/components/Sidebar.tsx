import type { ReactElement } from 'react';
import { availableSections, type SectionId } from '../sections';
import { useApp } from '../store/app-store';
import { CompareIcon, JobsIcon, KeypointsIcon, LoupeIcon, ModelsIcon, SettingsIcon } from './icons';

const ICONS: Record<SectionId, () => ReactElement> = {
  keypoints: () => <KeypointsIcon />,
  compare: () => <CompareIcon />,
  models: () => <ModelsIcon />,
  settings: () => <SettingsIcon />,
};

export function Sidebar() {
  const section = useApp((s) => s.section);
  const setSection = useApp((s) => s.setSection);
  const jobsOpen = useApp((s) => s.jobsOpen);
  const toggleJobs = useApp((s) => s.toggleJobs);
  const active = useApp(
    (s) => s.jobOrder.filter((id) => ['running', 'queued', 'paused'].includes(s.jobs[id]?.status ?? '')).length,
  );
  return (
    <nav className="sidebar" aria-label="Sections">
      <div className="brand">
        <LoupeIcon size={20} />
        Loupe
      </div>
      {availableSections().map((s) => (
        <button
          key={s.id}
          className="nav-item"
          aria-current={section === s.id ? 'page' : undefined}
          title={s.description}
          onClick={() => setSection(s.id)}
        >
          {ICONS[s.id]()}
          {s.label}
        </button>
      ))}
      <div className="sidebar-spacer" />
      <button className="nav-item" aria-pressed={jobsOpen} onClick={() => toggleJobs()}>
        <JobsIcon />
        Jobs
        {active > 0 && <span className="badge accent">{active}</span>}
      </button>
    </nav>
  );
}
