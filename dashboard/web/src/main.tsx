import { render } from 'preact';
import { App } from './app.js';
import { currentLang } from './i18n.js';
import './styles.css';

document.documentElement.lang = currentLang();
render(<App />, document.getElementById('app')!);
