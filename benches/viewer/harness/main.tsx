// The bench's page: the medical viewer alone on one series (?sha=…), in the app's own styles,
// fetching the volume routes of the page's origin (run.mjs forwards them to the server). The
// clock starts when the viewer is mounted, as when an item with a series opens.
import { render } from 'preact';
import { Viewer } from '../../../web-ui/src/medical/Viewer';
import '../../../web-ui/src/styles.css';

const sha = new URLSearchParams(location.search).get('sha') ?? '';
(window as unknown as { benchT0: number }).benchT0 = performance.now();
render(
  <main class="page">
    <Viewer sha={sha} lang="zh-CN" />
  </main>,
  document.getElementById('app')!,
);
