// Small building blocks shared by every screen.

import type { ButtonHTMLAttributes, ComponentChildren } from 'preact';
import { useEffect, useState, useCallback, useRef } from 'preact/hooks';
import { getLang, t, toggleLang } from '../i18n';
import { errorText } from '../api';
import { avatarColour, initial } from '../util';
import { digitsOnly } from '../forms';
import { Icon, type IconName } from './Icon';

export function LangToggle() {
  const zh = getLang() === 'zh-CN';
  return (
    <button
      type="button"
      class="lang-toggle"
      data-testid="lang-toggle"
      title={t('lang_switch_label')}
      onClick={() => toggleLang()}
    >
      <Icon name="globe" />
      <span class={zh ? 'on' : ''} lang="zh-CN">
        中
      </span>
      <span aria-hidden="true">/</span>
      <span class={zh ? '' : 'on'} lang="en">
        EN
      </span>
      <span class="sr-only">{t('lang_switch_label')}</span>
    </button>
  );
}

/** A short message with an icon; `kind` also changes the icon, so colour is never the only signal. */
export function Note({
  kind,
  children,
  testid,
}: {
  kind: 'error' | 'info' | 'ok';
  children: ComponentChildren;
  testid?: string;
}) {
  const icon: IconName = kind === 'error' ? 'alert' : kind === 'ok' ? 'check' : 'info';
  return (
    <div class={'note note-' + kind} role={kind === 'error' ? 'alert' : 'status'} data-testid={testid}>
      <Icon name={icon} />
      <span>{children}</span>
    </div>
  );
}

export function ErrorNote({ error, testid }: { error: unknown; testid?: string }) {
  if (!error) return null;
  return (
    <Note kind="error" testid={testid ?? 'error'}>
      {errorText(error)}
    </Note>
  );
}

export function Avatar({ id, name, photo, size }: { id: number; name: string; photo?: string | null; size?: number }) {
  const s = size ?? 72;
  const style = { width: s + 'px', height: s + 'px', fontSize: Math.round(s * 0.45) + 'px' };
  if (photo) return <img class="avatar" src={photo} alt="" style={style} loading="lazy" />;
  return (
    <span class="avatar" aria-hidden="true" style={{ ...style, background: avatarColour(id) }}>
      {initial(name)}
    </span>
  );
}

type BtnProps = {
  icon?: IconName;
  label: string;
  kind?: 'primary' | 'secondary' | 'danger' | 'plain';
  busy?: boolean;
} & Omit<ButtonHTMLAttributes<HTMLButtonElement>, 'label' | 'icon'>;

export function Button({ icon, label, kind, busy, class: cls, ...rest }: BtnProps) {
  return (
    <button
      type="button"
      class={`btn btn-${kind ?? 'secondary'} ${cls ?? ''}`}
      disabled={busy || (rest.disabled as boolean | undefined)}
      aria-busy={busy ? 'true' : undefined}
      {...rest}
    >
      {icon && <Icon name={icon} />}
      <span>{label}</span>
    </button>
  );
}

/** A destructive button that asks once more inline (no blocking browser dialog). */
export function ConfirmButton({
  icon,
  label,
  question,
  onConfirm,
  testid,
}: {
  icon: IconName;
  label: string;
  question: string;
  onConfirm: () => Promise<void> | void;
  testid?: string;
}) {
  const [asking, setAsking] = useState(false);
  const [busy, setBusy] = useState(false);
  if (!asking)
    return <Button icon={icon} label={label} kind="plain" data-testid={testid} onClick={() => setAsking(true)} />;
  return (
    <span class="confirm" role="group" aria-label={question}>
      <span class="confirm-q">{question}</span>
      <Button
        icon="check"
        label={t('yes_sure')}
        kind="danger"
        busy={busy}
        data-testid={testid && testid + '-yes'}
        onClick={async () => {
          setBusy(true);
          try {
            await onConfirm();
          } finally {
            setBusy(false);
            setAsking(false);
          }
        }}
      />
      <Button icon="x" label={t('cancel')} kind="plain" onClick={() => setAsking(false)} />
    </span>
  );
}

export function Field({
  label,
  children,
}: {
  label: string;
  children: ComponentChildren;
}) {
  return (
    <label class="field">
      <span class="field-label">{label}</span>
      {children}
    </label>
  );
}

export function Section({
  icon,
  title,
  children,
  testid,
  actions,
}: {
  icon: IconName;
  title: string;
  children: ComponentChildren;
  testid?: string;
  actions?: ComponentChildren;
}) {
  return (
    <section class="card" data-testid={testid} aria-label={title}>
      <div class="card-head">
        <h2>
          <Icon name={icon} />
          <span>{title}</span>
        </h2>
        {actions}
      </div>
      {children}
    </section>
  );
}

export function Loading() {
  return (
    <p class="loading" role="status">
      {t('loading')}
    </p>
  );
}

export interface Loaded<T> {
  data: T | undefined;
  error: unknown;
  loading: boolean;
  reload: () => Promise<void>;
}

/** Loads data once (and on `reload`), keeping the last good data while reloading. */
export function useLoad<T>(load: () => Promise<T>, deps: unknown[] = []): Loaded<T> {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<unknown>(null);
  const [loading, setLoading] = useState(true);
  const alive = useRef(true);
  const reload = useCallback(async () => {
    setLoading(true);
    try {
      const d = await load();
      if (alive.current) {
        setData(d);
        setError(null);
      }
    } catch (e) {
      if (alive.current) setError(e);
    } finally {
      if (alive.current) setLoading(false);
    }
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, deps);
  useEffect(() => {
    alive.current = true;
    void reload();
    return () => {
      alive.current = false;
    };
  }, [reload]);
  return { data, error, loading, reload };
}

/** Renders the loading state or the error with a retry button, else the children. */
export function LoadState<T>({ state, children }: { state: Loaded<T>; children: (d: T) => ComponentChildren }) {
  if (state.data !== undefined) return <>{children(state.data)}</>;
  if (state.error)
    return (
      <div class="stack">
        <ErrorNote error={state.error} />
        <Button icon="refresh" label={t('retry')} onClick={() => void state.reload()} />
      </div>
    );
  return <Loading />;
}

/** A numeric PIN input that keeps only digits (at most 6), even while typing. */
export function PinInput({ value, onValue, name }: { value: string; onValue: (v: string) => void; name?: string }) {
  return (
    <input
      name={name ?? 'pin'}
      inputMode="numeric"
      autocomplete="off"
      maxLength={6}
      value={value}
      onInput={(e) => {
        const v = digitsOnly(e.currentTarget.value);
        e.currentTarget.value = v;
        onValue(v);
      }}
    />
  );
}

/** A message kept as a function, so it is translated at render time and follows the language
 * switch (a string stored in state would stay in the language it was made in). */
export type Say = (() => string) | null;

export function useSay(): [Say, (s: Say) => void] {
  const [say, setSay] = useState<Say>(null);
  // wrap: useState treats a bare function as an updater
  return [say, (s: Say) => setSay(() => s)];
}
