// Login: on an enrolled device, the centre's roster and a PIN pad; otherwise (and for staff)
// username + password. A browser that is not enrolled never asks for the roster.

import { useLayoutEffect, useRef, useState } from 'preact/hooks';
import { api, ApiError, type DeviceInfo, type Roster, type RosterEntry, type User } from '../api';
import { t } from '../i18n';
import { dotCount, isValidPin, pinKeyFromKeyboard, pinReduce, PIN_MAX, type PinKey } from '../pin';
import { Icon } from '../components/Icon';
import { sortByName } from '../util';
import { Avatar, Button, ErrorNote, Field, LangToggle, LoadState, Note, useLoad } from '../components/ui';

type Props = { onLoggedIn: (u: User) => void };

export function LoginPage({ onLoggedIn }: Props) {
  const device = useLoad(() => api.get<DeviceInfo>('/device'));
  const [staff, setStaff] = useState(false);
  const info = device.data;
  const enrolled = info?.enrolled === true;

  return (
    <div class="page login-page">
      <header class="topbar topbar-login">
        <div class="brand">
          <span class="logo" aria-hidden="true">
            豆
          </span>
          <span class={enrolled ? 'brand-text' : ''}>{t('app_name')}</span>
          {enrolled && info?.centre && <span class="brand-centre">{info.centre.name}</span>}
        </div>
        <LangToggle />
      </header>
      <main class="login-main">
        {device.loading && !info ? (
          <LoadState state={device}>{() => null}</LoadState>
        ) : enrolled && !staff ? (
          <RosterLogin onLoggedIn={onLoggedIn} onStaff={() => setStaff(true)} />
        ) : (
          <div class="password-wrap">
            {device.error ? <ErrorNote error={device.error} /> : null}
            <PasswordLogin onLoggedIn={onLoggedIn} />
            {enrolled ? (
              <button type="button" class="link-btn" data-testid="annotator-login" onClick={() => setStaff(false)}>
                <Icon name="users" />
                <span>{t('annotator_login')}</span>
              </button>
            ) : (
              <Note kind="info" testid="not-enrolled-hint">
                {t('not_enrolled_hint')}
              </Note>
            )}
          </div>
        )}
      </main>
    </div>
  );
}

function RosterLogin({ onLoggedIn, onStaff }: Props & { onStaff: () => void }) {
  const roster = useLoad(() => api.get<Roster>('/device/roster'));
  const [selected, setSelected] = useState<RosterEntry | null>(null);
  const [lockedIds, setLockedIds] = useState<Set<number>>(new Set());

  return (
    <div class={'roster-login' + (selected ? ' picking' : '')}>
      <div class="roster-pane">
        <h1 class="roster-title">
          <Icon name="user" />
          <span>{t('who_are_you')}</span>
        </h1>
        <LoadState state={roster}>
          {(r) =>
            r.annotators.length === 0 ? (
              <Note kind="info">{t('roster_empty')}</Note>
            ) : (
              <ul class="roster" data-testid="roster">
                {sortByName(r.annotators).map((a) => {
                  const locked = a.locked || lockedIds.has(a.id);
                  return (
                    <li key={a.id}>
                      <button
                        type="button"
                        class={'tile' + (selected?.id === a.id ? ' selected' : '')}
                        aria-pressed={selected?.id === a.id}
                        data-testid="roster-tile"
                        onClick={() => setSelected(a)}
                      >
                        <Avatar id={a.id} name={a.display_name} photo={a.photo_url} size={a.photo_url ? 96 : 72} />
                        <span class="tile-name">{a.display_name}</span>
                        {locked && (
                          <span class="badge badge-locked">
                            <Icon name="lock" size={16} />
                            {t('locked_badge')}
                          </span>
                        )}
                      </button>
                    </li>
                  );
                })}
              </ul>
            )
          }
        </LoadState>
        <button type="button" class="link-btn" data-testid="staff-login" onClick={onStaff}>
          <Icon name="key" />
          <span>{t('staff_login')}</span>
        </button>
      </div>
      {!selected && (
        <div class="pin-placeholder">
          <Icon name="lock" size={36} />
          <span>{t('pin_placeholder')}</span>
        </div>
      )}
      {selected && (
        <PinPane
          key={selected.id}
          person={selected}
          onCancel={() => setSelected(null)}
          onLoggedIn={onLoggedIn}
          onLocked={() => setLockedIds((s) => new Set(s).add(selected.id))}
        />
      )}
    </div>
  );
}

function PinPane({
  person,
  onCancel,
  onLoggedIn,
  onLocked,
}: Props & { person: RosterEntry; onCancel: () => void; onLocked: () => void }) {
  const [pin, setPin] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [shake, setShake] = useState(false);
  const pinRef = useRef(pin);
  pinRef.current = pin;
  const busyRef = useRef(busy);
  busyRef.current = busy;
  const paneRef = useRef<HTMLDivElement>(null);

  async function submit() {
    const p = pinRef.current;
    if (busyRef.current || !isValidPin(p)) return;
    setBusy(true);
    try {
      const res = await api.post<{ user: User }>('/auth/pin', { user_id: person.id, pin: p });
      onLoggedIn(res.user);
    } catch (e) {
      setError(e);
      setPin('');
      setShake(true);
      setTimeout(() => setShake(false), 400);
      if (e instanceof ApiError && e.code === 'locked') onLocked();
      setBusy(false);
    }
  }

  function act(k: PinKey) {
    if (k.type === 'submit') return void submit();
    if (k.type === 'cancel') return onCancel();
    if (busyRef.current) return;
    setPin((p) => pinReduce(p, k));
  }

  // A layout effect: the keys typed right after the tap must not be lost.
  useLayoutEffect(() => {
    // Take the focus, so Enter submits here (not on the tile just tapped) and, on a phone,
    // focus does not stay on the roster that is now hidden.
    paneRef.current?.focus({ preventScroll: true });
    paneRef.current?.scrollIntoView?.({ block: 'nearest' });
    const onKey = (ev: KeyboardEvent) => {
      const target = ev.target as HTMLElement | null;
      if (target && (target.tagName === 'INPUT' || target.tagName === 'TEXTAREA')) return;
      if (ev.ctrlKey || ev.metaKey || ev.altKey) return;
      const k = pinKeyFromKeyboard(ev.key);
      if (!k) return;
      // Enter submits a complete PIN wherever the focus is (even on the language switch just
      // used). With an incomplete PIN, Enter on another button (换人, language) keeps its own
      // meaning; on the keypad it never presses the focused digit again.
      if (
        k.type === 'submit' &&
        target?.tagName === 'BUTTON' &&
        !target.closest('.keypad') &&
        !isValidPin(pinRef.current)
      )
        return;
      ev.preventDefault();
      act(k);
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  const n = dotCount(pin);
  const keys = ['1', '2', '3', '4', '5', '6', '7', '8', '9'];
  return (
    <div class="pin-pane" ref={paneRef} tabIndex={-1} data-testid="pin-pane" aria-label={t('enter_pin')} role="group">
      <div class="pin-who">
        <button type="button" class="btn btn-plain" data-testid="not-me" onClick={onCancel}>
          <Icon name="back" />
          <span>{t('not_me')}</span>
        </button>
        <Avatar id={person.id} name={person.display_name} photo={person.photo_url} size={56} />
        <span class="pin-name">{person.display_name}</span>
      </div>
      <p class="pin-prompt">
        <Icon name="lock" />
        <span>{t('enter_pin')}</span>
      </p>
      <div class={'pin-dots' + (shake ? ' shake' : '')} data-testid="pin-dots" data-count={pin.length}>
        {Array.from({ length: n }, (_, i) => (
          <span key={i} class={'dot' + (i < pin.length ? ' filled' : '')} aria-hidden="true" />
        ))}
        <span class="sr-only" aria-live="polite">
          {t('pin_dots', { n: pin.length })}
        </span>
      </div>
      <ErrorNote error={error} testid="pin-error" />
      <div class="keypad" role="group" aria-label={t('pin_label')}>
        {keys.map((d) => (
          <button
            type="button"
            key={d}
            class="key"
            data-key={d}
            disabled={busy || pin.length >= PIN_MAX}
            onClick={() => act({ type: 'digit', digit: d })}
          >
            {d}
          </button>
        ))}
        <button
          type="button"
          class="key key-del"
          data-key="del"
          aria-label={t('key_delete')}
          disabled={busy || pin.length === 0}
          onClick={() => act({ type: 'delete' })}
        >
          <Icon name="backspace" size={32} />
        </button>
        <button
          type="button"
          class="key"
          data-key="0"
          disabled={busy || pin.length >= PIN_MAX}
          onClick={() => act({ type: 'digit', digit: '0' })}
        >
          0
        </button>
        <button
          type="button"
          class="key key-ok"
          data-key="ok"
          aria-label={t('key_ok')}
          disabled={busy || !isValidPin(pin)}
          onClick={() => void submit()}
        >
          <Icon name="check" size={36} />
        </button>
      </div>
    </div>
  );
}

function PasswordLogin({ onLoggedIn }: Props) {
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  async function submit(ev: Event) {
    ev.preventDefault();
    if (!username.trim() || !password) return;
    setBusy(true);
    setError(null);
    try {
      const res = await api.post<{ user: User }>('/auth/login', { username: username.trim(), password });
      onLoggedIn(res.user);
    } catch (e) {
      setError(e);
      setBusy(false);
    }
  }

  return (
    <form class="card password-form" data-testid="password-form" onSubmit={submit}>
      <h1>
        <Icon name="key" />
        <span>{t('login_title')}</span>
      </h1>
      <Field label={t('username')}>
        <input
          name="username"
          autocomplete="username"
          autocapitalize="off"
          spellcheck={false}
          required
          value={username}
          onInput={(e) => setUsername(e.currentTarget.value)}
        />
      </Field>
      <Field label={t('password')}>
        <input
          name="password"
          type="password"
          autocomplete="current-password"
          required
          value={password}
          onInput={(e) => setPassword(e.currentTarget.value)}
        />
      </Field>
      <ErrorNote error={error} testid="login-error" />
      <Button type="submit" icon="check" kind="primary" label={t('sign_in')} busy={busy} data-testid="sign-in" />
    </form>
  );
}
