import { useApp } from '../store/app-store';

export function StatusBar() {
  const engineState = useApp((s) => s.engineState);
  const restarts = useApp((s) => s.engineRestarts);
  const info = useApp((s) => s.info);
  const engine = info?.engine;
  const label: Record<typeof engineState, string> = {
    starting: 'Engine starting…',
    ready: 'Engine ready',
    crashed: 'Engine crashed',
    restarting: 'Engine restarting…',
    stopped: 'Engine stopped',
  };
  return (
    <footer className="status-bar">
      <span data-testid="engine-state">
        <span className={`dot ${engineState}`} />
        {label[engineState]}
        {restarts > 0 ? ` · ${restarts} restart${restarts === 1 ? '' : 's'}` : ''}
      </span>
      {engine && (
        <span title={engine.planReason ?? undefined}>
          Device {engine.config.device} → {engine.plan.join(' + ')}
        </span>
      )}
      {engine && (
        <span>
          {engine.cpus} cores · {engine.config.threads || engine.cpus} threads
        </span>
      )}
      <span className="spacer" />
      {engine && (
        <span className="faint">
          onnxruntime {engine.onnxruntime} · sharp {engine.sharp}
        </span>
      )}
      {info && (
        <span className="faint">
          Loupe {info.version} · {info.host === 'web' ? 'web host' : 'desktop'}
        </span>
      )}
    </footer>
  );
}
