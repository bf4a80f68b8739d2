// The home screen after login: a top bar, then the page for the user's role.

import type { User } from '../api';
import { t, type Key } from '../i18n';
import { Icon, type IconName } from '../components/Icon';
import { Avatar, LangToggle } from '../components/ui';
import { LeadHome } from './Lead';
import { ClientHome } from './Client';
import { AdminHome } from './Admin';
import { AnnotatorApp } from './work/AnnotatorApp';

const ROLE_ICON: Record<User['role'], IconName> = {
  admin: 'shield',
  client: 'briefcase',
  lead: 'users',
  annotator: 'user',
};

export function HomePage({ user, onLogout }: { user: User; onLogout: () => void }) {
  // the annotator's screens: home and the work screen (which has a top bar of its own)
  if (user.role === 'annotator') return <AnnotatorApp user={user} topBar={<TopBar user={user} onLogout={onLogout} />} />;
  return (
    <div class="page" data-role={user.role}>
      <TopBar user={user} onLogout={onLogout} />
      <h1 class="sr-only">
        {t('app_name')} · {t(('role_' + user.role) as Key)}
      </h1>
      {user.role === 'lead' ? (
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
