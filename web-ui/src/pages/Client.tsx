// The client's home: the organisation and its API tokens (datasets and orders come later).

import { useState } from 'preact/hooks';
import { api, type Items, type User } from '../api';
import { getLang, t } from '../i18n';
import { shortTime } from '../util';
import { Icon } from '../components/Icon';
import { Button, ConfirmButton, ErrorNote, Field, LoadState, Note, Section, useLoad } from '../components/ui';
import { CopyButton } from './Lead';

interface Token {
  id: number;
  name: string;
  prefix?: string;
  revoked?: boolean;
  created_at?: string | number | null;
  last_used_at?: string | number | null;
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

interface Dataset {
  id: number;
  name: string;
  item_count: number;
  created_at?: number | null;
}

export function ClientHome({ user }: { user: User }) {
  const tokens = useLoad(() => api.get<Items<Token>>('/tokens'));
  const datasets = useLoad(() => api.get<Items<Dataset>>('/datasets'));
  const [name, setName] = useState('');
  const [secret, setSecret] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);

  async function create(ev: Event) {
    ev.preventDefault();
    if (!name.trim()) return;
    setBusy(true);
    setError(null);
    setSecret(null);
    try {
      const res = await api.post<unknown>('/tokens', { name: name.trim() });
      setSecret(secretOf(res));
      setName('');
      await tokens.reload();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  }

  const orgName = user.org?.name;
  return (
    <main class="dash">
      {orgName && (
        <Section icon="briefcase" title={t('organisation')} testid="org">
          <p class="big-line">{orgName}</p>
        </Section>
      )}
      <Section icon="database" title={t('datasets')} testid="datasets">
        <LoadState state={datasets}>
          {(d) =>
            d.items.length === 0 ? (
              <p class="muted">{t('none_yet')}</p>
            ) : (
              <ul class="rows">
                {d.items.map((x) => (
                  <li class="row" key={x.id} data-testid="dataset-row">
                    <Icon name="database" />
                    <div class="row-main">
                      <strong>{x.name}</strong>
                      {x.created_at ? (
                        <span class="muted">{t('created_at', { time: shortTime(x.created_at, getLang()) })}</span>
                      ) : null}
                    </div>
                    <span class="badge">{t('item_count', { n: x.item_count })}</span>
                  </li>
                ))}
              </ul>
            )
          }
        </LoadState>
      </Section>
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
          <ErrorNote error={error} />
          <Button type="submit" icon="plus" kind="primary" label={t('new_token')} busy={busy} data-testid="new-token" />
        </form>
      </Section>
    </main>
  );
}
