// The home screen after login: a top bar, then the page for the user's role.

import { useState } from 'preact/hooks';
import { api, ApiError, type User } from '../api';
import { t, type Key } from '../i18n';
import { Icon, type IconName } from '../components/Icon';
import { Avatar, ErrorNote, LangToggle } from '../components/ui';
import { LeadHome } from './Lead';
import { ClientHome } from './Client';
import { AdminHome } from './Admin';

const ROLE_ICON: Record<User['role'], IconName> = {
  admin: 'shield',
  client: 'briefcase',
  lead: 'users',
  annotator: 'user',
};

export function HomePage({ user, onLogout }: { user: User; onLogout: () => void }) {
  return (
    <div class="page" data-role={user.role}>
      <TopBar user={user} onLogout={onLogout} />
      {user.role !== 'annotator' && (
        <h1 class="sr-only">
          {t('app_name')} · {t(('role_' + user.role) as Key)}
        </h1>
      )}
      {user.role === 'annotator' ? (
        <AnnotatorHome user={user} />
      ) : user.role === 'lead' ? (
        <LeadHome user={user} />
      ) : user.role === 'client' ? (
        <ClientHome user={user} />
      ) : (
        <AdminHome />
      )}
    </div>
  );
}

function TopBar({ user, onLogout }: { user: User; onLogout: () => void }) {
  return (
    <header class="topbar" data-testid="topbar">
      <div class="brand">
        <span class="logo" aria-hidden="true">
          豆
        </span>
        <span class="brand-text">{t('app_name')}</span>
      </div>
      <div class="who" data-testid="who">
        <Avatar id={user.id} name={user.display_name} size={36} />
        <span class="who-name">{user.display_name}</span>
        <span class="badge badge-role">
          <Icon name={ROLE_ICON[user.role]} size={16} />
          {t(('role_' + user.role) as Key)}
        </span>
      </div>
      <div class="topbar-actions">
        <LangToggle />
        <button type="button" class="btn btn-plain" data-testid="logout" onClick={onLogout}>
          <Icon name="logout" />
          <span>{t('logout')}</span>
        </button>
      </div>
    </header>
  );
}

type WorkState = { kind: 'idle' } | { kind: 'checking' } | { kind: 'nothing' } | { kind: 'error'; error: unknown };

/** What GET /work/next's answer means for this screen (dispatch lands in a later issue). */
export function interpretNext(res: unknown): 'nothing' | 'work' {
  const status = (res as { status?: unknown } | null)?.status;
  return status === undefined || status === 'nothing' ? 'nothing' : 'work';
}

function AnnotatorHome({ user }: { user: User }) {
  const [work, setWork] = useState<WorkState>({ kind: 'idle' });

  async function start() {
    setWork({ kind: 'checking' });
    try {
      const res = await api.get<unknown>('/work/next');
      // TODO(issue 6): open the workbench when interpretNext(res) === 'work'. Until it exists
      // there is nothing to open, so any answer shows the friendly "no work" panel.
      void interpretNext(res);
      setWork({ kind: 'nothing' });
    } catch (e) {
      if (e instanceof ApiError && (e.status === 404 || e.code === 'not_found')) setWork({ kind: 'nothing' });
      else setWork({ kind: 'error', error: e });
    }
  }

  return (
    <main class="annotator-home">
      <h1 class="greeting" data-testid="greeting">
        {t('hello', { name: user.display_name })}
      </h1>
      <button
        type="button"
        class="start-btn"
        data-testid="start"
        aria-busy={work.kind === 'checking' ? 'true' : undefined}
        disabled={work.kind === 'checking'}
        onClick={() => void start()}
      >
        <Icon name="play" size={44} />
        <span>{t('start')}</span>
      </button>
      {work.kind === 'checking' && <p class="loading" role="status">{t('checking_work')}</p>}
      {work.kind === 'nothing' && (
        <div class="panel-nothing" role="status" data-testid="no-work">
          <Icon name="tea" size={48} />
          <div>
            <strong>{t('no_work')}</strong>
            <p>{t('no_work_hint')}</p>
          </div>
        </div>
      )}
      {work.kind === 'error' && <ErrorNote error={work.error} />}
      <div class="stats" aria-label={t('today_done')}>
        <Stat icon="coin" label={t('today_earnings')} value={t('not_counted')} testid="today-earnings" />
        <Stat icon="done" label={t('today_done')} value={t('not_counted')} testid="today-count" />
      </div>
    </main>
  );
}

function Stat({ icon, label, value, testid }: { icon: IconName; label: string; value: string; testid: string }) {
  return (
    <div class="stat" data-testid={testid}>
      <Icon name={icon} size={32} />
      <span class="stat-label">{label}</span>
      <span class="stat-value">{value}</span>
    </div>
  );
}
