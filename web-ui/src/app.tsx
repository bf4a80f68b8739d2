import { useEffect, useLayoutEffect, useState } from 'preact/hooks';
import { api, ApiError, onUnauthenticated, type User } from './api';
import { onLangChange } from './i18n';
import { currentPath, navigate, onRouteChange } from './router';
import { ErrorNote, Button, Loading } from './components/ui';
import { LoginPage } from './pages/Login';
import { EnrollPage } from './pages/Enroll';
import { HomePage } from './pages/Home';
import { t } from './i18n';

/** Who was last logged in on this device: opens the app without network (the service worker
 * keeps the page; answers wait in the outbox). Cleared on logout and when the server says
 * nobody is logged in. Only names and a role: the server still checks every request. */
const LAST_USER = 'mudou.session.user';

function rememberUser(u: User | null): void {
  try {
    if (u) localStorage.setItem(LAST_USER, JSON.stringify(u));
    else localStorage.removeItem(LAST_USER);
  } catch {
    // storage blocked: no offline start, nothing else changes
  }
}

function lastUser(): User | null {
  try {
    const u = JSON.parse(localStorage.getItem(LAST_USER) ?? 'null') as User | null;
    return u && typeof u.id === 'number' && typeof u.role === 'string' ? u : null;
  } catch {
    return null;
  }
}

export function App() {
  const [, setLang] = useState(0);
  const [path, setPath] = useState(currentPath());
  // undefined: still asking the server; null: nobody is logged in
  const [user, setUser] = useState<User | null | undefined>(undefined);
  const [error, setError] = useState<unknown>(null);

  async function loadSession() {
    setError(null);
    try {
      const res = await api.get<{ user: User }>('/session');
      rememberUser(res.user);
      setUser(res.user);
    } catch (e) {
      if (e instanceof ApiError && (e.status === 401 || e.code === 'unauthenticated')) {
        rememberUser(null);
        setUser(null);
        return;
      }
      // no network: the person last logged in here goes on (their answers wait to upload);
      // the session is asked again when the network is back
      const last = e instanceof ApiError && e.status === 0 ? lastUser() : null;
      if (last) {
        setUser((u) => u ?? last);
        window.addEventListener('online', () => void loadSession(), { once: true });
      } else setError(e);
    }
  }

  useEffect(() => {
    const offs = [
      onLangChange(() => setLang((n) => n + 1)),
      onRouteChange(() => setPath(currentPath())),
      onUnauthenticated(() => {
        rememberUser(null);
        setUser(null);
      }),
    ];
    void loadSession();
    return () => offs.forEach((f) => f());
  }, []);

  // Keep the URL in step with who is logged in, before the screen is painted: the home
  // screen never shows under /login (nor the login under /), not even for a moment.
  useLayoutEffect(() => {
    if (path === '/enroll' || user === undefined) return;
    if (user === null && path !== '/login') navigate('/login', true);
    if (user && path !== '/') navigate('/', true);
  }, [path, user]);

  if (path === '/enroll') return <EnrollPage />;
  if (error)
    return (
      <main class="narrow stack">
        <ErrorNote error={error} />
        <Button icon="refresh" label={t('retry')} onClick={() => void loadSession()} />
      </main>
    );
  if (user === undefined) return <Loading />;
  if (user === null)
    return (
      <LoginPage
        onLoggedIn={(u) => {
          rememberUser(u);
          setUser(u);
        }}
      />
    );
  return (
    <HomePage
      user={user}
      onLogout={async () => {
        try {
          await api.post('/auth/logout');
        } catch {
          // the session is gone either way
        }
        rememberUser(null);
        setUser(null);
      }}
    />
  );
}
