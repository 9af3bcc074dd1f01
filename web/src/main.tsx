/**
 * The dashboard's entry point: reads how this deployment signs users in, then renders the app.
 */
import 'uplot/dist/uPlot.min.css';
import './styles.css';
import { render } from 'preact';
import { App } from './app.tsx';
import { loadWebConfig } from './runtime.ts';

await loadWebConfig();
const root = document.getElementById('app')!;
// Preact 11 renders next to what is there: take the "Loading…" placeholder out first.
root.replaceChildren();
render(<App />, root);
