/**
 * The app shell: the sign-in page until someone is signed in, then the navigation and the page
 * the hash route names. Focus moves to the new page's main region on navigation, so keyboard and
 * screen-reader users land where the content changed.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { endSession, onSessionChange, session } from './auth/session.ts';
import { href, useRoute, type Route } from './router.ts';
import { SignInPage } from './pages/sign-in.tsx';
import { SourcesPage } from './pages/sources.tsx';
import { SourcePage } from './pages/source/source-page.tsx';
import { SqlPage } from './pages/sql.tsx';
import { EndpointsPage } from './pages/endpoints.tsx';
import { EndpointEditorPage } from './pages/endpoint-editor.tsx';
import { KeysPage } from './pages/keys.tsx';
import { UsagePage } from './pages/usage.tsx';
import { Logo } from './components/logo.tsx';

const NAV = [
  { path: 'sources', label: 'Sources' },
  { path: 'sql', label: 'SQL' },
  { path: 'endpoints', label: 'Endpoints' },
  { path: 'keys', label: 'Keys' },
  { path: 'usage', label: 'Usage' },
] as const;

function useSession() {
  const [current, setCurrent] = useState(session);
  useEffect(() => onSessionChange(() => setCurrent(session())), []);
  return current;
}

function page(route: Route) {
  const [section = 'sources', id] = route.path;
  if (section === 'sources') return id ? <SourcePage key={id} sourceId={id} /> : <SourcesPage />;
  if (section === 'sql') return <SqlPage />;
  if (section === 'endpoints') return id ? <EndpointEditorPage key={id} endpointId={id} /> : <EndpointsPage />;
  if (section === 'keys') return <KeysPage />;
  if (section === 'usage') return <UsagePage />;
  return (
    <section>
      <h1>Page not found</h1>
      <p>
        There is no page at <code>{location.hash}</code>. <a href={href(['sources'])}>Go to your sources.</a>
      </p>
    </section>
  );
}

export function App() {
  const current = useSession();
  const route = useRoute();
  const main = useRef<HTMLElement>(null);
  const section = route.path[0] ?? 'sources';
  const pathKey = route.path.join('/');

  const firstRoute = useRef(true);
  useEffect(() => {
    if (firstRoute.current) {
      firstRoute.current = false;
      return;
    }
    main.current?.focus({ preventScroll: true });
    scrollTo(0, 0);
  }, [pathKey]);

  // The hash is the route, so the skip link moves focus itself instead of following `#main`.
  const skipToContent = (event: MouseEvent) => {
    event.preventDefault();
    main.current?.focus();
  };

  if (!current) return <SignInPage />;
  return (
    <>
      <a class="skip-link" href="#main" onClick={skipToContent}>
        Skip to content
      </a>
      <header class="topbar">
        <a class="brand" href={href(['sources'])} aria-label="Kindling home">
          <Logo /> Kindling
        </a>
        <nav aria-label="Main">
          <ul>
            {NAV.map((item) => (
              <li key={item.path}>
                <a href={href([item.path])} aria-current={section === item.path ? 'page' : undefined}>
                  {item.label}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <button type="button" class="button-quiet signout" onClick={() => endSession()}>
          Sign out
        </button>
      </header>
      <main id="main" ref={main} tabIndex={-1}>
        {page(route)}
      </main>
    </>
  );
}
