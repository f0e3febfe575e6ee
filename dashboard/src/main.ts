// Entry point of the SOC dashboard (built by Vite into dashboard/dist, served by the daemon at `/`).
import './styles/base.css';
import './styles/shell.css';
import './styles/feed.css';
import './styles/pages.css';
import './styles/hub.css';
import { App } from './app';

new App(document.getElementById('app')!).start();
