import { render } from 'preact';

render(<p>EduFleet</p>, document.getElementById('app')!);
