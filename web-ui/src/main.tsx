import { render } from 'preact';
import { initLang } from './i18n';
import { App } from './app';
import './styles.css';

initLang();
render(<App />, document.getElementById('app')!);

// The app shell's service worker (sw/sw.js, built to dist/sw.js): a reload without network
// opens the app instead of the browser's error page. Registered a while after the page has
// loaded, so on a slow link its downloads do not compete with the first picture.
const SW_DELAY_MS = 3000;
if (import.meta.env.PROD && 'serviceWorker' in navigator) {
  const register = () =>
    setTimeout(() => {
      navigator.serviceWorker.register('/sw.js').catch(() => {
        // no worker (a private window, an old browser): the app works online as before
      });
    }, SW_DELAY_MS);
  if (document.readyState === 'complete') register();
  else window.addEventListener('load', register, { once: true });
}
