/**
 * Export the stage as it looks (grid, wipe or heatmaps, with the labels and the colour bar) to a
 * PNG: the pane canvases at device resolution, composed with their labels on a dark background.
 */
export async function stageToPng(stage: HTMLElement, title: string): Promise<Blob> {
  const dpr = window.devicePixelRatio || 1;
  const box = stage.getBoundingClientRect();
  const header = 28;
  const out = document.createElement('canvas');
  out.width = Math.round(box.width * dpr);
  out.height = Math.round((box.height + header) * dpr);
  const ctx = out.getContext('2d')!;
  ctx.scale(dpr, dpr);
  ctx.fillStyle = '#08090b';
  ctx.fillRect(0, 0, box.width, box.height + header);
  ctx.fillStyle = '#e6e8eb';
  ctx.font = '600 13px -apple-system, "Segoe UI", Inter, sans-serif';
  ctx.textBaseline = 'middle';
  ctx.fillText(title, 10, header / 2);

  for (const pane of stage.querySelectorAll<HTMLElement>('[data-testid="pane"]')) {
    const r = pane.getBoundingClientRect();
    const x = r.left - box.left;
    const y = r.top - box.top + header;
    const canvas = pane.querySelector('canvas');
    if (canvas) ctx.drawImage(canvas, x, y, r.width, r.height);
    // Labels: the pane's own label boxes, as text.
    for (const label of pane.querySelectorAll<HTMLElement>('.pane-label')) {
      const lr = label.getBoundingClientRect();
      const lx = lr.left - box.left;
      const ly = lr.top - box.top + header;
      ctx.fillStyle = 'rgba(0,0,0,0.65)';
      ctx.fillRect(lx, ly, lr.width, lr.height);
      ctx.fillStyle = label.style.borderColor || '#4da3ff';
      ctx.fillRect(lx, ly, 3, lr.height);
      ctx.fillStyle = '#e6e8eb';
      ctx.font = '12px -apple-system, "Segoe UI", Inter, sans-serif';
      const lines = [...label.children].map((c) => (c as HTMLElement).innerText).filter(Boolean);
      lines.forEach((line, i) => ctx.fillText(line, lx + 8, ly + 10 + i * 15));
    }
    const divider = pane.querySelector<HTMLElement>('.wipe-divider');
    if (divider) {
      const dr = divider.getBoundingClientRect();
      ctx.fillStyle = '#ffffff';
      ctx.fillRect(dr.left - box.left + dr.width / 2 - 1, y, 2, r.height);
    }
  }
  const bar = stage.querySelector<HTMLElement>('[data-testid="colour-bar"]');
  const barCanvas = bar?.querySelector('canvas');
  if (bar && barCanvas) {
    const br = bar.getBoundingClientRect();
    const bx = br.left - box.left;
    const by = br.top - box.top + header;
    ctx.fillStyle = 'rgba(0,0,0,0.7)';
    ctx.fillRect(bx, by, br.width, br.height);
    const cr = barCanvas.getBoundingClientRect();
    ctx.imageSmoothingEnabled = true;
    ctx.drawImage(barCanvas, cr.left - box.left, cr.top - box.top + header, cr.width, cr.height);
    ctx.fillStyle = '#e6e8eb';
    ctx.font = '11px ui-monospace, Menlo, monospace';
    const ticks = [...bar.querySelectorAll<HTMLElement>('.ticks span')];
    for (const t of ticks) {
      const tr = t.getBoundingClientRect();
      ctx.fillText(t.innerText, tr.left - box.left, tr.top - box.top + header + tr.height / 2);
    }
    const label = bar.querySelector<HTMLElement>('.title');
    if (label) {
      const tr = label.getBoundingClientRect();
      ctx.fillText(label.innerText, tr.left - box.left, tr.top - box.top + header + tr.height / 2);
    }
  }
  return new Promise((resolve, reject) =>
    out.toBlob((b) => (b ? resolve(b) : reject(new Error('could not encode the PNG'))), 'image/png'),
  );
}

/** Hand the PNG to the browser's (or Electron's) download: a save dialog or the downloads folder. */
export function download(blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
