// The bench's page: the polygon question's editor alone, with N polygons of P points each on
// a W×H picture (the query string says N and P), in the app's own styles.
import { render } from 'preact';
import { ShapesEditor } from '../../../web-ui/src/kinds/shapes/Editor';
import type { Question } from '../../../web-ui/src/kinds/types';
import '../../../web-ui/src/styles.css';
import '../../../web-ui/src/work/work.css';

const qs = new URLSearchParams(location.search);
const N = Number(qs.get('n') ?? 300);
const P = Number(qs.get('p') ?? 20);
const W = 2000;
const H = 1500;
const cols = Math.ceil(Math.sqrt((N * W) / H));
const rows = Math.ceil(N / cols);
const cw = W / cols;
const ch = H / rows;
const r = Math.min(cw, ch) * 0.42;
// ?kind=polyline|keypoints: the same stars as lines or skeletons (one point hidden in three, the
// last absent); ?holes=1: every fifth polygon with a square hole (to compare the look)
const kind = (qs.get('kind') ?? 'polygon') as 'polygon' | 'polyline' | 'keypoints';
const holes = qs.get('holes') === '1';
const polygons = Array.from({ length: N }, (_, i) => {
  const cx = ((i % cols) + 0.5) * cw;
  const cy = (Math.floor(i / cols) + 0.5) * ch;
  const points = Array.from({ length: P }, (_, k) => {
    const a = (2 * Math.PI * k) / P;
    const rr = r * (k % 2 ? 0.8 : 1);
    return [Math.round((cx + rr * Math.cos(a)) * 10) / 10, Math.round((cy + rr * Math.sin(a)) * 10) / 10];
  });
  if (kind === 'keypoints') return { label: i % 3 ? 'road' : 'field', points: points.map((p, k) => (k === P - 1 ? [0, 0, 0] : [p[0], p[1], k % 3 ? 2 : 1])), attributes: {} };
  const s = r * 0.25;
  const hole = [
    [cx - s, cy - s],
    [cx + s, cy - s],
    [cx + s, cy + s],
    [cx - s, cy + s],
  ] as [number, number][];
  return { label: i % 3 ? 'road' : 'field', points, ...(holes && kind === 'polygon' && i % 5 === 0 ? { holes: [hole] } : {}), attributes: {} };
});
const q: Question = {
  key: 'area',
  kind,
  title_zh: '圈出',
  field: 'image',
  options: [
    { key: 'road', name_zh: '路', hotkey: '1' },
    { key: 'field', name_zh: '田', hotkey: '2' },
  ],
  ...(kind === 'keypoints'
    ? { settings: { skeleton: { points: Array.from({ length: P }, (_, k) => ({ key: 'p' + k, name_zh: '点' + k, sigma: 0.05 })), edges: Array.from({ length: P - 1 }, (_, k) => [k, k + 1] as [number, number]) } } }
    : {}),
};
// the bench reads the polygons' points from here (the resting ones are a canvas, not SVG)
(window as unknown as { benchPolygons: typeof polygons }).benchPolygons = polygons;
let changes = 0;
(window as unknown as { benchChanges: () => number }).benchChanges = () => changes;
render(
  <main style={{ padding: '8px', maxWidth: '1366px' }}>
    <ShapesEditor
      q={q}
      value={polygons}
      onChange={() => changes++}
      field={{ name: 'image', kind: 'image', screen_url: qs.get('img') ?? '', thumb_url: null, width: W, height: H }}
      lang="zh-CN"
      id="bench"
    />
  </main>,
  document.getElementById('app')!,
);
