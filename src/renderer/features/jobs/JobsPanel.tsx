import { useApp } from '../../store/app-store';
import { CloseIcon } from '../../components/icons';
import { JobCard } from './JobCard';
import { JobItems } from './JobItems';

export function JobsPanel() {
  const order = useApp((s) => s.jobOrder);
  const jobs = useApp((s) => s.jobs);
  const selected = useApp((s) => s.selectedJobId);
  const toggle = useApp((s) => s.toggleJobs);
  const selectedJob = selected ? jobs[selected] : undefined;
  return (
    <aside className="jobs-panel" aria-label="Jobs" data-testid="jobs-panel">
      <header>
        Jobs
        <span className="badge">{order.length}</span>
        <span className="spacer" />
        <button className="btn icon ghost" aria-label="Close jobs panel" onClick={() => toggle(false)}>
          <CloseIcon size={14} />
        </button>
      </header>
      <div className="job-list" role="listbox" aria-label="Engine jobs">
        {order.length === 0 && <div className="empty">No jobs yet. Scans, benchmarks and predictions run here.</div>}
        {order.map((id) => {
          const job = jobs[id];
          return job ? <JobCard key={id} job={job} selected={id === selected} /> : null;
        })}
      </div>
      {selectedJob && <JobItems job={selectedJob} />}
    </aside>
  );
}
