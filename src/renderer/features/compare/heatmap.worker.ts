/** The difference heatmaps, off the main thread (HeatmapClient in heatmap-compute.ts posts here). */
import { answerHeatmapRequest, type HeatmapRequest } from './heatmap-compute';

self.addEventListener('message', (e: MessageEvent<HeatmapRequest>) => {
  void answerHeatmapRequest(e.data, (p) => createImageBitmap(new ImageData(p.data, p.width, p.height))).then(
    (response) => {
      const transfer = 'error' in response ? [] : response.images.filter((b): b is ImageBitmap => b !== null);
      self.postMessage(response, { transfer });
    },
  );
});
