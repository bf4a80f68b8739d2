// The bench's page: the medical viewer alone on one series (?sha=…), in the app's own styles,
// fetching the volume routes of the page's origin (run.mjs forwards them to the server). The
// clock starts when the viewer is mounted, as when an item with a series opens. `?finding=1`
// shows the finding question's editor on it instead (to look at the layout).
import { render } from 'preact';
import { useState } from 'preact/hooks';
import { Viewer } from '../../../web-ui/src/medical/Viewer';
import { FindingEditor } from '../../../web-ui/src/kinds/finding/Editor';
import type { Question } from '../../../web-ui/src/kinds/types';
import '../../../web-ui/src/styles.css';

const qs = new URLSearchParams(location.search);
const sha = qs.get('sha') ?? '';
const question = {
  key: 'aneurysm',
  kind: 'finding',
  title_zh: '动脉瘤',
  field: 'series',
  settings: {
    attributes: [
      { key: 'location', zh: '位置', en: 'Location', required: true, options: ['ICA', 'MCA', 'ACom', 'PCom', 'Basilar'].map((k) => ({ key: k.toLowerCase(), zh: k, en: k })) },
      { key: 'size', zh: '大小', en: 'Size', options: [{ key: 'small', zh: '<7mm' }, { key: 'medium', zh: '7-12mm' }, { key: 'large', zh: '>12mm' }] },
    ],
    outline: true,
  },
} as unknown as Question;

function Finding() {
  const [v, setV] = useState<unknown>({ findings: [{ at: [300, 260, 30], diameter: [[290, 255], [312, 262]], attrs: { location: 'mca' } }] });
  return <FindingEditor q={question} value={v} onChange={setV} field={{ name: 'series', kind: 'series', sha256: sha }} lang="zh-CN" id="q-aneurysm" />;
}

(window as unknown as { benchT0: number }).benchT0 = performance.now();
render(<main class="page">{qs.get('finding') ? <Finding /> : <Viewer sha={sha} lang="zh-CN" />}</main>, document.getElementById('app')!);
