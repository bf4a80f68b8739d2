import { render } from 'preact';
import { initLang } from './i18n';
import { App } from './app';
import './styles.css';

initLang();
render(<App />, document.getElementById('app')!);
