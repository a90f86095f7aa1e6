import { render } from 'preact';
import { App } from './app.js';
import { WallApp } from './features/wall/wall-page.js';
import { currentLang } from './i18n.js';
import './styles.css';

document.documentElement.lang = currentLang();
// The operations-centre wall is a screen of its own: no login page, no navigation, its own token (features/wall).
render(location.pathname === '/wall' ? <WallApp /> : <App />, document.getElementById('app')!);
