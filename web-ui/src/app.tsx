import { useEffect, useLayoutEffect, useState } from 'preact/hooks';
import { api, ApiError, onUnauthenticated, type User } from './api';
import { onLangChange } from './i18n';
import { currentPath, navigate, onRouteChange } from './router';
import { ErrorNote, Button, Loading } from './components/ui';
import { LoginPage } from './pages/Login';
import { EnrollPage } from './pages/Enroll';
import { HomePage } from './pages/Home';
import { t } from './i18n';

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
      setUser(res.user);
    } catch (e) {
      if (e instanceof ApiError && (e.status === 401 || e.code === 'unauthenticated')) setUser(null);
      else setError(e);
    }
  }

  useEffect(() => {
    const offs = [
      onLangChange(() => setLang((n) => n + 1)),
      onRouteChange(() => setPath(currentPath())),
      onUnauthenticated(() => setUser(null)),
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
  if (user === null) return <LoginPage onLoggedIn={(u) => setUser(u)} />;
  return (
    <HomePage
      user={user}
      onLogout={async () => {
        try {
          await api.post('/auth/logout');
        } catch {
          // the session is gone either way
        }
        setUser(null);
      }}
    />
  );
}
