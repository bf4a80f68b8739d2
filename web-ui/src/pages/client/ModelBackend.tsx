// The order's model card (PUT/GET/DELETE /orders/{id}/model-backend, POST …/predict): the
// address of a model server speaking the Label Studio ML backend protocol and its token
// (a password field; never shown again), saved only when the server answers its health
// check; "ask now"; its state (ok / failing / circuit open), last error and success, and
// what it was asked, stored, dropped and told. Its words are its own (zh-CN first).

import { useState } from 'preact/hooks';
import { api, ApiError } from '../../api';
import { getLang } from '../../i18n';
import { shortTime } from '../../util';
import { Button, ConfirmButton, ErrorNote, Field, Note, Section, useLoad } from '../../components/ui';

export interface BackendState {
  url: string;
  has_token: boolean;
  questions: string[] | null;
  batch_size: number;
  timeout_ms: number;
  model_version: string | null;
  state: 'ok' | 'failing' | 'circuit_open';
  failures: number;
  open_until: number | null;
  last_error: string | null;
  last_error_at: number | null;
  last_success_at: number | null;
  asked: number;
  stored: number;
  dropped: number;
  trained: number;
}

const zh = {
  title: '模型建议',
  hint: '填上模型服务（Label Studio ML backend）的地址，木豆会在后台请它给每条数据出建议，标注员核对修改。',
  url: '模型地址',
  token: '令牌（可不填）',
  token_kept: '已设令牌；不填则保留',
  save: '检查并保存',
  saved: '已连上模型，保存好了。',
  refused: '没有保存',
  ask: '现在就问',
  asked_now: '已请模型马上处理。',
  remove: '不用这个模型',
  remove_q: '不再向这个模型要建议？已有的建议会留着。',
  none: '还没有设模型。',
  state_ok: '正常',
  state_failing: '出错了',
  state_circuit_open: '暂停呼叫（稍后自动再试）',
  version: '模型版本',
  counts: '已问 {asked} 条 · 存下 {stored} 条 · 丢弃 {dropped} 条 · 回传 {trained} 条',
  last_error: '上次出错',
  last_success: '上次成功',
} as const;

type Word = keyof typeof zh;

const en: Record<Word, string> = {
  title: 'Model suggestions',
  hint: 'Give the address of a model server (a Label Studio ML backend): Mudou asks it for a suggestion on each item in the background, and annotators check and fix them.',
  url: 'Model address',
  token: 'Token (optional)',
  token_kept: 'A token is set; leave empty to keep it',
  save: 'Check and save',
  saved: 'The model answers; saved.',
  refused: 'Not saved',
  ask: 'Ask now',
  asked_now: 'The model will be asked right away.',
  remove: 'Stop using this model',
  remove_q: 'Stop asking this model for suggestions? Those it made stay.',
  none: 'No model yet.',
  state_ok: 'Working',
  state_failing: 'Failing',
  state_circuit_open: 'Paused (will try again by itself)',
  version: 'Model version',
  counts: 'Asked {asked} · stored {stored} · dropped {dropped} · told {trained}',
  last_error: 'Last error',
  last_success: 'Last success',
};

/** The card's words in the chosen language, `{name}`s filled in. */
export function mw(key: Word, vars: Record<string, string | number> = {}): string {
  const s: string = getLang() === 'en' ? en[key] : zh[key];
  return s.replace(/\{(\w+)\}/g, (_, k: string) => String(vars[k] ?? `{${k}}`));
}

export function ModelBackend({ orderId }: { orderId: number }) {
  const path = `/orders/${orderId}/model-backend`;
  // No backend yet is a 404: shown as the empty form, not as an error.
  const loaded = useLoad(
    () =>
      api.get<BackendState>(path).catch((e: unknown) => {
        if (e instanceof ApiError && e.status === 404) return null;
        throw e;
      }),
    [orderId],
  );
  const b = loaded.data ?? null;
  const [url, setUrl] = useState<string | null>(null);
  const [token, setToken] = useState('');
  const [busy, setBusy] = useState<'save' | 'ask' | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [said, setSaid] = useState<string | null>(null);
  const shownUrl = url ?? b?.url ?? '';

  const save = async () => {
    setBusy('save');
    setError(null);
    setSaid(null);
    try {
      const body: Record<string, unknown> = { url: shownUrl.trim() };
      if (token !== '') body.token = token;
      await api.put<BackendState>(path, body);
      setToken('');
      setUrl(null);
      setSaid(mw('saved'));
      await loaded.reload();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(null);
    }
  };
  const ask = async () => {
    setBusy('ask');
    setError(null);
    try {
      await api.post<BackendState>(`${path}/predict`);
      setSaid(mw('asked_now'));
      await loaded.reload();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(null);
    }
  };
  const remove = async () => {
    setError(null);
    try {
      await api.del(path);
      setSaid(null);
      await loaded.reload();
    } catch (e) {
      setError(e);
    }
  };

  return (
    <Section icon="bot" title={mw('title')} testid="model-backend">
      <p class="muted">{mw('hint')}</p>
      {loaded.data === undefined && loaded.error ? <ErrorNote error={loaded.error} /> : null}
      {b ? (
        <div class="stack" data-testid="mb-status">
          <p>
            <strong data-testid="mb-state" data-state={b.state} class={b.state === 'ok' ? 'ok' : 'warn'}>
              {mw(`state_${b.state}`)}
            </strong>
            {b.model_version && (
              <span class="muted">
                {' '}
                · {mw('version')} {b.model_version}
              </span>
            )}
          </p>
          <p class="muted" data-testid="mb-counts">
            {mw('counts', { asked: b.asked, stored: b.stored, dropped: b.dropped, trained: b.trained })}
          </p>
          {b.last_success_at && (
            <p class="muted">
              {mw('last_success')}: {shortTime(b.last_success_at, getLang())}
            </p>
          )}
          {b.last_error && b.state !== 'ok' && (
            <Note kind="error" testid="mb-error">
              {mw('last_error')}
              {b.last_error_at ? ` (${shortTime(b.last_error_at, getLang())})` : ''}: {b.last_error}
            </Note>
          )}
        </div>
      ) : (
        loaded.data === null && (
          <p class="muted" data-testid="mb-none">
            {mw('none')}
          </p>
        )
      )}
      <div class="stack">
        <Field label={mw('url')}>
          <input
            type="url"
            inputMode="url"
            autocomplete="off"
            placeholder="http://192.168.1.20:9090"
            value={shownUrl}
            data-testid="mb-url"
            onInput={(e) => setUrl((e.target as HTMLInputElement).value)}
          />
        </Field>
        <Field label={mw('token')}>
          <input
            type="password"
            autocomplete="new-password"
            placeholder={b?.has_token ? mw('token_kept') : ''}
            value={token}
            data-testid="mb-token"
            onInput={(e) => setToken((e.target as HTMLInputElement).value)}
          />
        </Field>
        <div class="actions">
          <Button icon="link" kind="primary" label={mw('save')} busy={busy === 'save'} disabled={shownUrl.trim() === ''} data-testid="mb-save" onClick={() => void save()} />
          {b && <Button icon="refresh" label={mw('ask')} busy={busy === 'ask'} data-testid="mb-ask" onClick={() => void ask()} />}
          {b && <ConfirmButton icon="trash" label={mw('remove')} question={mw('remove_q')} testid="mb-remove" onConfirm={remove} />}
        </div>
        {said && (
          <Note kind="ok" testid="mb-said">
            {said}
          </Note>
        )}
        {error instanceof ApiError && error.code === 'validation' ? (
          // The server says what the backend did (no answer, a refusal): worth reading.
          <Note kind="error" testid="mb-failed">
            {mw('refused')}: {error.message}
          </Note>
        ) : (
          <ErrorNote error={error} testid="mb-failed" />
        )}
      </div>
    </Section>
  );
}
