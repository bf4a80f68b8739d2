// The team lead's pages: home (what waits, devices, the centre's annotators), the review queue,
// the quality page, messages, pauses and rules (see ./lead/).

import { useState } from 'preact/hooks';
import { api, type DeviceInfo, type Items, type User } from '../api';
import { getLang, t } from '../i18n';
import { isValidPin } from '../pin';
import { shortTime, toMillis } from '../util';
import { Icon } from '../components/Icon';
import { sortByName } from '../util';
import { QrCode } from '../components/QrCode';
import { LeadDashboards } from './dashboards/LeadDashboards';
import { Avatar, Button, ConfirmButton, ErrorNote, Field, Loading, LoadState, Note, PinInput, Section, useLoad, useSay } from '../components/ui';
import { useLeadView } from './lead/nav';
import { loadLeadModule, useLeadModule } from './lead/lazy';
import { defaultDeviceName, deviceKind, kindOfName, screenHints } from './Enroll';

interface Device {
  id: number;
  name: string;
  created_at?: string | number | null;
  last_seen_at?: string | number | null;
  revoked?: boolean;
  revoked_at?: string | number | null;
}

interface Annotator {
  id: number;
  display_name: string;
  username?: string | null;
  photo_url?: string | null;
  locked?: boolean;
  /** Unix ms while locked after wrong PINs. */
  locked_until?: number | null;
  skill_level?: string | null;
  disabled?: boolean;
}

function isRevoked(d: Device): boolean {
  return !!d.revoked || !!d.revoked_at;
}

export function isLocked(a: { locked?: boolean; locked_until?: number | null }, now = Date.now()): boolean {
  return !!a.locked || (typeof a.locked_until === 'number' && toMillis(a.locked_until) > now);
}

export function LeadHome({ user: _user }: { user: User }) {
  const view = useLeadView();
  const m = useLeadModule();
  const summary = useLoad(async () => (await loadLeadModule()).loadSummary(), [view.page]);
  return (
    <main class="dash">
      {m && <m.LeadTabs view={view} summary={summary.data} />}
      {view.page === 'home' && (
        <>
          {m && <m.SummaryCard summary={summary.data} />}
          <LeadDashboards />
          <DevicesAndPeople />
        </>
      )}
      {view.page !== 'home' && !m && <Loading />}
      {m && view.page === 'review' && <m.ReviewPage order={view.order} />}
      {m && view.page === 'quality' && <m.QualityPageView />}
      {m && view.page === 'worker' && <m.WorkerPageView id={view.id} />}
      {m && view.page === 'messages' && <m.MessagesPage onRead={() => void summary.reload()} />}
      {m && view.page === 'questions' && <m.QuestionsPage />}
      {m && view.page === 'pauses' && <m.PausesPage order={view.order} onChanged={() => void summary.reload()} />}
    </main>
  );
}

/** The enrolled devices of the centre and its annotators (the lead's first page). */
function DevicesAndPeople() {
  const device = useLoad(() => api.get<DeviceInfo>('/device'));
  const devices = useLoad(() => api.get<Items<Device>>('/devices'));
  const annotators = useLoad(() => api.get<Items<Annotator>>('/centre/annotators'));

  return (
    <>
      <ThisDevice device={device} onEnrolled={() => void Promise.all([device.reload(), devices.reload()])} />
      <PhoneCode />
      <Section icon="monitor" title={t('devices')} testid="devices">
        <LoadState state={devices}>
          {(d) =>
            d.items.length === 0 ? (
              <p class="muted">{t('none_yet')}</p>
            ) : (
              <ul class="rows">
                {[...d.items].sort((a, b) => Number(isRevoked(a)) - Number(isRevoked(b))).map((x) => {
                  const revoked = isRevoked(x);
                  return (
                    <li class="row" key={x.id} data-testid="device-row" data-id={x.id} data-kind={kindOfName(x.name)}>
                      <Icon name={kindOfName(x.name) === 'pc' ? 'monitor' : 'phone'} />
                      <div class="row-main">
                        <strong>{x.name}</strong>
                        {x.last_seen_at ? (
                          <span class="muted">{t('last_seen', { time: shortTime(x.last_seen_at, getLang()) })}</span>
                        ) : null}
                      </div>
                      {revoked ? (
                        <span class="badge">
                          <Icon name="ban" size={16} />
                          {t('revoked')}
                        </span>
                      ) : (
                        <ConfirmButton
                          icon="trash"
                          label={t('revoke')}
                          question={t('revoke_confirm')}
                          testid="revoke"
                          onConfirm={async () => {
                            await api.del(`/devices/${x.id}`);
                            await Promise.all([devices.reload(), device.reload()]);
                          }}
                        />
                      )}
                    </li>
                  );
                })}
              </ul>
            )
          }
        </LoadState>
      </Section>
      <Section icon="users" title={t('annotators')} testid="annotators">
        <LoadState state={annotators}>
          {(a) =>
            a.items.length === 0 ? (
              <p class="muted">{t('none_yet')}</p>
            ) : (
              <ul class="rows">
                {sortByName(a.items).map((x) => (
                  <AnnotatorRow key={x.id} a={x} onChanged={() => void annotators.reload()} />
                ))}
              </ul>
            )
          }
        </LoadState>
        <AddAnnotator onAdded={() => void annotators.reload()} />
      </Section>
    </>
  );
}

function ThisDevice({
  device,
  onEnrolled,
}: {
  device: ReturnType<typeof useLoad<DeviceInfo>>;
  onEnrolled: () => void;
}) {
  // null until edited: the default name follows the language switch
  const [edited, setName] = useState<string | null>(null);
  // A centre's computer, unless this browser is a phone's or a tablet's.
  const kind = deviceKind(navigator.userAgent, screenHints());
  const name = edited ?? (kind === 'pc' ? t('device_name_default') : defaultDeviceName(navigator.userAgent, screenHints()));
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);

  async function enroll(ev: Event) {
    ev.preventDefault();
    if (!name.trim()) return;
    setBusy(true);
    setError(null);
    try {
      await api.post('/devices/enroll', { name: name.trim() });
      onEnrolled();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  }

  return (
    <Section icon="monitor" title={t('this_device')} testid="this-device">
      <LoadState state={device}>
        {(d) =>
          d.enrolled ? (
            <Note kind="ok" testid="device-enrolled">
              {t('device_enrolled_as', { name: d.device?.name ?? '' })}
            </Note>
          ) : (
            <form class="inline-form" onSubmit={enroll}>
              <p class="muted">
                <Icon name="info" size={18} /> {t('device_not_enrolled')}
              </p>
              <Field label={t('device_name')}>
                <input name="device_name" required value={name} onInput={(e) => setName(e.currentTarget.value)} />
              </Field>
              <Button
                type="submit"
                icon="monitor"
                kind="primary"
                label={t('enroll_this_device')}
                busy={busy}
                data-testid="enroll-this"
              />
              <ErrorNote error={error} />
            </form>
          )
        }
      </LoadState>
    </Section>
  );
}

interface CodeResponse {
  code: string;
  /** Unix ms. */
  expires_at?: number;
  /** `/enroll#code=…`, to prefix with this server's address. */
  path?: string;
}

export function enrollLink(origin: string, code: string, path?: string): string {
  return origin + (path && path.startsWith('/') ? path : `/enroll#code=${encodeURIComponent(code)}`);
}

/** Whole minutes from now until `expiresAt` (Unix ms or s), at least 1; null when unknown. */
export function minutesLeft(expiresAt: number | undefined, now = Date.now()): number | null {
  if (typeof expiresAt !== 'number') return null;
  return Math.max(1, Math.round((toMillis(expiresAt) - now) / 60000));
}

function PhoneCode() {
  const [code, setCode] = useState<CodeResponse | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);

  async function make() {
    setBusy(true);
    setError(null);
    try {
      setCode(await api.post<CodeResponse>('/devices/codes', {}));
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  }

  const link = code ? enrollLink(location.origin, code.code, code.path) : '';
  const min = minutesLeft(code?.expires_at);
  return (
    <Section icon="phone" title={t('phone_code')} testid="phone-code">
      <Button icon="phone" kind="primary" label={t('phone_code')} busy={busy} data-testid="make-code" onClick={make} />
      <ErrorNote error={error} />
      {code && (
        <div class="code-box" data-testid="code-box">
          <div class="code-row">
            <QrCode text={link} label={t('qr_label')} />
            <div class="code-big" data-testid="code">
              {code.code}
            </div>
          </div>
          <p>{t('phone_code_hint')}</p>
          <a class="code-link" href={link} data-testid="code-link">
            {link}
          </a>
          <CopyButton text={link} />
          {min ? <p class="muted">{t('phone_code_expires', { min })}</p> : null}
        </div>
      )}
    </Section>
  );
}

/** Copies text; on plain http (a centre's LAN) the async clipboard API is missing, so it falls
 * back to selecting a hidden textarea and `execCommand('copy')`. */
export async function copyText(text: string): Promise<boolean> {
  try {
    if (navigator.clipboard && window.isSecureContext) {
      await navigator.clipboard.writeText(text);
      return true;
    }
  } catch {
    // fall through to the old way
  }
  const ta = document.createElement('textarea');
  ta.value = text;
  ta.setAttribute('readonly', '');
  ta.style.position = 'fixed';
  ta.style.opacity = '0';
  document.body.appendChild(ta);
  ta.select();
  try {
    return document.execCommand('copy');
  } catch {
    return false;
  } finally {
    ta.remove();
  }
}

export function CopyButton({ text }: { text: string }) {
  const [done, setDone] = useState(false);
  return (
    <Button
      icon={done ? 'check' : 'copy'}
      label={done ? t('copied') : t('copy')}
      onClick={async () => {
        if (await copyText(text)) {
          setDone(true);
          setTimeout(() => setDone(false), 2000);
        }
      }}
    />
  );
}

function AnnotatorRow({ a, onChanged }: { a: Annotator; onChanged: () => void }) {
  const [open, setOpen] = useState(false);
  const [pin, setPin] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [msg, setMsg] = useSay();
  const [saved, setSaved] = useState(false);
  const locked = isLocked(a);

  async function save(ev: Event) {
    ev.preventDefault();
    if (!isValidPin(pin)) {
      setError(null);
      setSaved(false);
      setMsg(() => t('err_pin_format'));
      return;
    }
    setBusy(true);
    setError(null);
    setMsg(null);
    try {
      await api.post(`/centre/annotators/${a.id}/pin`, { pin });
      setPin('');
      setOpen(false);
      setSaved(true);
      setMsg(() => t('pin_saved'));
      onChanged();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  }

  return (
    <li class="row row-wrap" data-testid="annotator-row">
      <Avatar id={a.id} name={a.display_name} photo={a.photo_url} size={44} />
      <div class="row-main">
        <strong>{a.display_name}</strong>
        {a.username ? <span class="muted">{a.username}</span> : null}
      </div>
      {locked && (
        <span class="badge badge-locked">
          <Icon name="lock" size={16} />
          {t('locked_badge')}
        </span>
      )}
      {!open && (
        <Button
          icon={locked ? 'unlock' : 'key'}
          kind="plain"
          data-testid="reset-pin"
          label={locked ? `${t('unlock')} / ${t('reset_pin')}` : t('reset_pin')}
          onClick={() => {
            setOpen(true);
            setMsg(null);
          }}
        />
      )}
      {open && (
        <form class="inline-form row-full" onSubmit={save}>
          <Field label={t('new_pin')}>
            <PinInput value={pin} onValue={setPin} />
          </Field>
          <Button type="submit" icon="check" kind="primary" label={t('save')} busy={busy} />
          <Button icon="x" kind="plain" label={t('cancel')} onClick={() => setOpen(false)} />
        </form>
      )}
      {msg && (
        <div class="row-full">
          <Note kind={saved ? 'ok' : 'error'}>{msg()}</Note>
        </div>
      )}
      {error ? (
        <div class="row-full">
          <ErrorNote error={error} />
        </div>
      ) : null}
    </li>
  );
}

function AddAnnotator({ onAdded }: { onAdded: () => void }) {
  const [name, setName] = useState('');
  const [pin, setPin] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [problem, setProblem] = useSay();
  const [added, setAdded] = useSay();

  async function add(ev: Event) {
    ev.preventDefault();
    setAdded(null);
    if (!name.trim()) return setProblem(() => t('err_required', { field: t('display_name') }));
    if (!isValidPin(pin)) return setProblem(() => t('err_pin_format'));
    setProblem(null);
    setBusy(true);
    setError(null);
    try {
      await api.post('/centre/annotators', { display_name: name.trim(), pin });
      const added = name.trim();
      setAdded(() => t('annotator_added', { name: added }));
      setName('');
      setPin('');
      onAdded();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  }

  return (
    <form class="sub-form" data-testid="add-annotator" onSubmit={add}>
      <h3>
        <Icon name="plus" />
        <span>{t('add_annotator')}</span>
      </h3>
      <div class="form-grid">
        <Field label={t('display_name')}>
          <input name="display_name" value={name} onInput={(e) => setName(e.currentTarget.value)} />
        </Field>
        <Field label={t('new_pin')}>
          <PinInput value={pin} onValue={setPin} />
        </Field>
      </div>
      {problem && <Note kind="error">{problem()}</Note>}
      <ErrorNote error={error} />
      {added && <Note kind="ok">{added()}</Note>}
      <Button type="submit" icon="plus" kind="primary" label={t('add_annotator')} busy={busy} data-testid="add-annotator-btn" />
    </form>
  );
}
