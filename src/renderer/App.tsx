import { useEffect } from 'react';
import { Notices } from './components/Notices';
import { ReviewerPrompt } from './components/ReviewerPrompt';
import { Sidebar } from './components/Sidebar';
import { StatusBar } from './components/StatusBar';
import { ComparePage } from './features/compare/ComparePage';
import { JobsPanel } from './features/jobs/JobsPanel';
import { KeypointsPage } from './features/keypoints/KeypointsPage';
import { ModelsPage } from './features/models/ModelsPage';
import { SettingsPage } from './features/settings/SettingsPage';
import { useApi } from './lib/api';
import { connectEvents, useApp, useAppStore } from './store/app-store';

/**
 * The app frame: navigation, the current section, the Jobs panel and the status bar. Sections
 * stay mounted while hidden, so an open folder or a scroll position survives switching.
 */
export function App() {
  const api = useApi();
  const store = useAppStore();
  const section = useApp((s) => s.section);
  const jobsOpen = useApp((s) => s.jobsOpen);

  useEffect(() => {
    const stop = connectEvents(api, store);
    const s = store.getState();
    void s.loadInfo();
    void s.loadSettings();
    void s.refreshJobs();
    return stop;
  }, [api, store]);

  return (
    <div className="app">
      <Sidebar />
      <main className="main">
        <section hidden={section !== 'keypoints'} aria-label="Keypoints">
          <KeypointsPage />
        </section>
        <section hidden={section !== 'compare'} aria-label="Compare">
          <ComparePage visible={section === 'compare'} />
        </section>
        <section hidden={section !== 'models'} aria-label="Models">
          <ModelsPage visible={section === 'models'} />
        </section>
        <section hidden={section !== 'settings'} aria-label="Settings">
          <SettingsPage />
        </section>
      </main>
      {jobsOpen && <JobsPanel />}
      <StatusBar />
      <Notices />
      <ReviewerPrompt />
    </div>
  );
}
