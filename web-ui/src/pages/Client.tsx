// The client's pages: datasets (thumbnails, upload), orders (form, progress) and API tokens.
// Views live in the URL's hash (`#/datasets/3`, `#/orders/5`), so Back works and a reload
// stays on the same screen while the path stays `/`.

import { useEffect, useState } from 'preact/hooks';
import { api, type Items, type User } from '../api';
import { getLang, t, type Key } from '../i18n';
import { shortTime } from '../util';
import { ClientCosts } from './dashboards/Throughput';
import { Icon } from '../components/Icon';
import { Button, ConfirmButton, ErrorNote, Field, LoadState, Note, Section, useLoad } from '../components/ui';
import { CopyButton } from './Lead';
import { progressParts, type Order } from '../orders';
import { DatasetPage, type Dataset } from './client/Dataset';
import { OrderFormPage } from './client/OrderForm';
import { OrderPage, StateBadge } from './client/OrderPage';
import { go, parseClientHash, type ClientView } from './client/nav';

export { parseClientHash };

/** What an API token may do (the server's `Scope`). */
export type Scope = 'results:read' | 'orders' | 'annotate' | 'lead' | 'admin' | 'admin:users';

const SCOPE_LABELS: Record<Scope, Key> = {
  'results:read': 'scope_results_read',
  orders: 'scope_orders',
  annotate: 'scope_annotate',
  lead: 'scope_lead',
  admin: 'scope_admin',
  'admin:users': 'scope_admin_users',
};

/** Days a new token may last (the server's default is 90, its maximum 365). */
export const TOKEN_DAYS = [7, 30, 90, 180, 365];

interface Token {
  id: number;
  name: string;
  prefix?: string;
  revoked?: boolean;
  created_at?: string | number | null;
  last_used_at?: string | number | null;
  scopes?: Scope[];
  expires_at?: number | null;
}

/** The body of POST /tokens: the scopes ticked (in the offered order) and the days chosen. */
export function tokenRequest(name: string, offered: Scope[], ticked: Set<Scope>, days: number) {
  return { name: name.trim(), scopes: offered.filter((s) => ticked.has(s)), expires_in_days: days };
}

/** The one-time secret from POST /tokens, whichever of the likely shapes the server uses. */
export function secretOf(res: unknown): string | null {
  if (!res || typeof res !== 'object') return null;
  const r = res as Record<string, unknown>;
  for (const k of ['secret', 'token']) {
    if (typeof r[k] === 'string') return r[k] as string;
  }
  if (r.token && typeof r.token === 'object') return secretOf(r.token);
  return null;
}

export function ClientHome({ user }: { user: User }) {
  const [view, setView] = useState<ClientView>(() => parseClientHash(location.hash));
  useEffect(() => {
    const on = () => setView(parseClientHash(location.hash));
    window.addEventListener('hashchange', on);
    window.addEventListener('popstate', on);
    return () => {
      window.removeEventListener('hashchange', on);
      window.removeEventListener('popstate', on);
    };
  }, []);
  switch (view.page) {
    case 'dataset':
      return <DatasetPage id={view.id} />;
    case 'new-order':
      return <OrderFormPage datasetId={view.dataset} orderId={null} />;
    case 'edit-order':
      return <OrderFormPage datasetId={null} orderId={view.id} />;
    case 'order':
      return <OrderPage id={view.id} />;
    default:
      return <Overview user={user} />;
  }
}

function Overview({ user }: { user: User }) {
  const datasets = useLoad(() => api.get<Items<Dataset>>('/datasets'));
  const orders = useLoad(() => api.get<Items<Order>>('/orders'));
  const orgName = user.org?.name;
  return (
    <main class="dash">
      {orgName && <p class="org-line" data-testid="org"><Icon name="briefcase" /> {orgName}</p>}
      <Section icon="database" title={t('datasets')} testid="datasets">
        <LoadState state={datasets}>
          {(d) =>
            d.items.length === 0 ? (
              <p class="muted">{t('none_yet')}</p>
            ) : (
              <ul class="rows">
                {d.items.map((x) => (
                  <li key={x.id}>
                    <a
                      class="row row-link"
                      href={`#/datasets/${x.id}`}
                      data-testid="dataset-row"
                      data-id={x.id}
                      onClick={(e) => {
                        e.preventDefault();
                        go(`#/datasets/${x.id}`);
                      }}
                    >
                      <Icon name="database" />
                      <span class="row-main">
                        <strong>{x.name}</strong>
                        {x.created_at ? (
                          <span class="muted">{t('created_at', { time: shortTime(x.created_at, getLang()) })}</span>
                        ) : null}
                      </span>
                      <span class="badge">{t('item_count', { n: x.item_count })}</span>
                      <Icon name="forward" />
                    </a>
                  </li>
                ))}
              </ul>
            )
          }
        </LoadState>
        <NewDataset />
      </Section>
      <Section
        icon="clipboard"
        title={t('orders')}
        testid="orders"
        actions={
          <Button icon="plus" kind="primary" label={t('new_order')} data-testid="new-order" onClick={() => go('#/orders/new')} />
        }
      >
        <LoadState state={orders}>
          {(d) =>
            d.items.length === 0 ? (
              <p class="muted">{t('no_orders')}</p>
            ) : (
              <ul class="rows">
                {d.items.map((o) => (
                  <li key={o.id}>
                    <a
                      class="row row-link"
                      href={`#/orders/${o.id}`}
                      data-testid="order-row"
                      data-id={o.id}
                      onClick={(e) => {
                        e.preventDefault();
                        go(`#/orders/${o.id}`);
                      }}
                    >
                      <Icon name="clipboard" />
                      <span class="row-main">
                        <strong>{o.spec.name}</strong>
                        <span class="muted">
                          {t(('task_' + o.spec.task_type) as Key)}
                          {o.state !== 'draft' && <> · {t('resolved_of', { n: o.counts.resolved, total: o.counts.items })}</>}
                        </span>
                      </span>
                      {o.state !== 'draft' && <MiniBar o={o} />}
                      <StateBadge state={o.state} />
                      <Icon name="forward" />
                    </a>
                  </li>
                ))}
              </ul>
            )
          }
        </LoadState>
      </Section>
      <Tokens />
      <ClientCosts />
    </main>
  );
}

function NewDataset() {
  const [name, setName] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  async function create(ev: Event) {
    ev.preventDefault();
    if (!name.trim()) return;
    setBusy(true);
    setError(null);
    try {
      const d = await api.post<Dataset>('/datasets', { name: name.trim() });
      go(`#/datasets/${d.id}`);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  }
  return (
    <form class="sub-form" onSubmit={create} data-testid="new-dataset-form">
      <h3>
        <Icon name="plus" />
        <span>{t('new_dataset')}</span>
      </h3>
      <div class="inline-row">
        <Field label={t('dataset_name')}>
          <input name="dataset_name" required maxLength={100} value={name} onInput={(e) => setName(e.currentTarget.value)} />
        </Field>
        <Button type="submit" icon="plus" kind="primary" label={t('create')} busy={busy} data-testid="create-dataset" />
      </div>
      <ErrorNote error={error} />
    </form>
  );
}

export function Tokens({ scopes = ['results:read', 'orders'] }: { scopes?: Scope[] }) {
  const tokens = useLoad(() => api.get<Items<Token>>('/tokens'));
  const [name, setName] = useState('');
  const [ticked, setTicked] = useState<Set<Scope>>(() => new Set(scopes));
  const [days, setDays] = useState(90);
  const toggle = (s: Scope) => {
    const next = new Set(ticked);
    if (next.has(s)) next.delete(s);
    else next.add(s);
    setTicked(next);
  };
  const [secret, setSecret] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);

  async function create(ev: Event) {
    ev.preventDefault();
    if (!name.trim() || ticked.size === 0) return;
    setBusy(true);
    setError(null);
    setSecret(null);
    try {
      const res = await api.post<unknown>('/tokens', tokenRequest(name, scopes, ticked, days));
      setSecret(secretOf(res));
      setName('');
      await tokens.reload();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  }

  return (
    <Section icon="key" title={t('api_tokens')} testid="tokens">
      <LoadState state={tokens}>
        {(d) =>
          d.items.filter((x) => !x.revoked).length === 0 ? (
            <p class="muted">{t('none_yet')}</p>
          ) : (
            <ul class="rows">
              {d.items.filter((x) => !x.revoked).map((x) => (
                <li class="row" key={x.id} data-testid="token-row">
                  <Icon name="key" />
                  <div class="row-main">
                    <strong>
                      {x.name} {x.prefix ? <code class="muted">{x.prefix}…</code> : null}
                    </strong>
                    {x.created_at ? (
                      <span class="muted">{t('created_at', { time: shortTime(x.created_at, getLang()) })}</span>
                    ) : null}
                    {x.scopes && x.scopes.length > 0 ? (
                      <span class="muted" data-testid="token-scopes">
                        <Icon name="lock" /> {x.scopes.map((s) => (s in SCOPE_LABELS ? t(SCOPE_LABELS[s]) : s)).join('、')}
                      </span>
                    ) : null}
                    {typeof x.expires_at === 'number' ? (
                      <span class="muted" data-testid="token-expiry">
                        <Icon name="clock" />{' '}
                        {x.expires_at <= Date.now()
                          ? t('token_expired')
                          : t('token_expires', { time: shortTime(x.expires_at, getLang()) })}
                      </span>
                    ) : null}
                  </div>
                  <ConfirmButton
                    icon="trash"
                    label={t('delete')}
                    question={t('delete_confirm')}
                    testid="delete-token"
                    onConfirm={async () => {
                      await api.del(`/tokens/${x.id}`);
                      await tokens.reload();
                    }}
                  />
                </li>
              ))}
            </ul>
          )
        }
      </LoadState>
      {secret && (
        <div class="secret-box" data-testid="token-secret">
          <Note kind="info">{t('token_secret_once')}</Note>
          <code class="secret">{secret}</code>
          <div class="btn-row">
            <CopyButton text={secret} />
            <Button icon="x" kind="plain" label={t('close')} onClick={() => setSecret(null)} />
          </div>
        </div>
      )}
      <form class="sub-form" onSubmit={create}>
        <h3>
          <Icon name="plus" />
          <span>{t('new_token')}</span>
        </h3>
        <Field label={t('token_name')}>
          <input name="token_name" required value={name} onInput={(e) => setName(e.currentTarget.value)} />
        </Field>
        <fieldset class="token-scopes" data-testid="token-scope-choices">
          <legend>
            <Icon name="lock" /> {t('token_scopes')}
          </legend>
          {scopes.map((s) => (
            <label class="check" key={s}>
              <input type="checkbox" name="scope" value={s} checked={ticked.has(s)} onChange={() => toggle(s)} />
              {t(SCOPE_LABELS[s])}
            </label>
          ))}
        </fieldset>
        <Field label={t('token_expiry')}>
          <select name="token_days" value={String(days)} onChange={(e) => setDays(Number(e.currentTarget.value))}>
            {TOKEN_DAYS.map((n) => (
              <option key={n} value={String(n)}>
                {t('token_days_n', { n })}
              </option>
            ))}
          </select>
        </Field>
        <ErrorNote error={error} />
        <Button
          type="submit"
          icon="plus"
          kind="primary"
          label={t('new_token')}
          busy={busy}
          disabled={ticked.size === 0}
          data-testid="new-token"
        />
      </form>
    </Section>
  );
}

/** A small resolved/escalated bar for a row (the numbers are in the row's text). */
function MiniBar({ o }: { o: Order }) {
  const p = progressParts(o.counts);
  const w = (n: number) => (p.total > 0 ? (n / p.total) * 100 : 0);
  return (
    <svg class="mini-bar" viewBox="0 0 100 10" preserveAspectRatio="none" aria-hidden="true">
      <rect width="100" height="10" rx="3" fill="#ece6da" />
      <rect width={w(p.resolved)} height="10" fill="var(--primary)" />
      <rect x={w(p.resolved)} width={w(p.escalated)} height="10" fill="#e9a23b" />
    </svg>
  );
}
