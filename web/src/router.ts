/**
 * Hash routing (`#/sources/<id>?q=…`): the page never leaves `/`, so the `web` function serves
 * one document and deep links survive reloads without server-side fallbacks.
 */
import { useEffect, useState } from 'preact/hooks';

export interface Route {
  /** Path segments: `#/sources/abc` → `['sources', 'abc']`. */
  path: string[];
  params: URLSearchParams;
}

export function parseHash(hash: string): Route {
  const text = hash.replace(/^#\/?/, '');
  const [pathPart = '', search = ''] = text.split('?', 2);
  const path = pathPart.split('/').filter(Boolean).map(decodeURIComponent);
  return { path, params: new URLSearchParams(search) };
}

export function href(path: string[], params: Record<string, string> = {}): string {
  const search = new URLSearchParams(Object.entries(params).filter(([, value]) => value !== '')).toString();
  return `#/${path.map(encodeURIComponent).join('/')}${search ? `?${search}` : ''}`;
}

export function navigate(path: string[], params: Record<string, string> = {}): void {
  location.hash = href(path, params);
}

/** Changes the query part of the current route without a new history entry or re-render. */
export function replaceParams(params: Record<string, string>): void {
  const { path } = parseHash(location.hash);
  history.replaceState(history.state, '', href(path, params));
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseHash(location.hash));
  useEffect(() => {
    const update = () => setRoute(parseHash(location.hash));
    addEventListener('hashchange', update);
    return () => removeEventListener('hashchange', update);
  }, []);
  return route;
}
