// One dataset: its thumbnails (paged by id), the upload panel, and a way to order labels on it.

import { useRef, useState } from 'preact/hooks';
import { api, ApiError, upload, type Items } from '../../api';
import { t, type Key } from '../../i18n';
import { Icon } from '../../components/Icon';
import { Button, ErrorNote, LoadState, Note, useLoad } from '../../components/ui';
import { fileSize, partFor, partForFile, rejectKey, summariseUpload, uploadErrorKey, type UploadResult, type UploadSummary } from '../../orders';
import { BackLink, go } from './nav';
import { StateBadge } from './OrderPage';
import type { Order } from '../../orders';
import { LsImportPanel } from './LsImport';
import type { ItemField } from '../../kinds/types';

export interface Dataset {
  id: number;
  name: string;
  item_count: number;
  created_at?: number | null;
}

export interface Item {
  id: number;
  kind: string;
  file_name: string;
  tag: string;
  text: string | null;
  width: number | null;
  height: number | null;
  thumb_url: string | null;
  screen_url: string | null;
  gold: unknown;
  /** Every field of the item, in order (a series: its `volume_url`). */
  fields?: ItemField[];
}

const PAGE = 48;

/** A short word for a gold answer: its label(s), or the box count. */
export function goldText(gold: unknown): string {
  if (gold === null || gold === undefined) return '';
  if (typeof gold === 'string') return gold;
  if (typeof gold !== 'object') return String(gold);
  const g = gold as Record<string, unknown>;
  if (typeof g.label === 'string' && g.label) return g.label;
  if (Array.isArray(g.labels)) return g.labels.join(' · ');
  if (Array.isArray(g.boxes)) {
    const names = [...new Set(g.boxes.map((b) => (b as { label?: string }).label).filter(Boolean))];
    return names.join(' · ');
  }
  return '';
}

export function DatasetPage({ id }: { id: number }) {
  const ds = useLoad(() => api.get<Dataset>(`/datasets/${id}`), [id]);
  const orders = useLoad(() => api.get<Items<Order>>('/orders'), [id]);
  const mine = orders.data?.items.filter((o) => o.dataset_id === id) ?? [];
  const [items, setItems] = useState<Item[]>([]);
  const [more, setMore] = useState(true);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const loadedFor = useRef<number | null>(null);

  async function loadMore(reset = false) {
    setBusy(true);
    setError(null);
    try {
      const after = reset || items.length === 0 ? 0 : items[items.length - 1].id;
      const res = await api.get<Items<Item>>(`/datasets/${id}/items?after=${after}&limit=${PAGE}`);
      setItems((old) => (reset ? res.items : [...old, ...res.items]));
      setMore(res.items.length === PAGE);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  }

  if (loadedFor.current !== id) {
    loadedFor.current = id;
    void loadMore(true);
  }

  return (
    <main class="dash">
      <BackLink to="" label={t('all_datasets')} />
      <LoadState state={ds}>
        {(d) => (
          <header class="page-head">
            <h2 class="page-title">
              <Icon name="database" />
              <span data-testid="dataset-name">{d.name}</span>
            </h2>
            <span class="badge" data-testid="dataset-count">
              {t('item_count', { n: d.item_count })}
            </span>
            <Button
              icon="clipboard"
              kind="primary"
              label={t('new_order_here')}
              data-testid="order-this"
              onClick={() => go(`#/orders/new?dataset=${id}`)}
            />
          </header>
        )}
      </LoadState>
      <DatasetOrders mine={mine} />
      <UploadPanel
        datasetId={id}
        onDone={async () => {
          await Promise.all([ds.reload(), loadMore(true)]);
        }}
      />
      <LsImportPanel datasetId={id} orders={mine} onDone={() => void Promise.all([ds.reload(), loadMore(true)])} />
      <section class="card" aria-label={t('items')} data-testid="items">
        <div class="card-head">
          <h2>
            <Icon name="image" />
            <span>{t('items')}</span>
          </h2>
          {items.length > 0 && <span class="muted">{t('shown_n', { n: items.length })}</span>}
        </div>
        {items.length === 0 && !busy && !error && <p class="muted">{t('no_items')}</p>}
        <ul class="thumbs">
          {items.map((it) => (
            <li class="thumb" key={it.id} data-testid="thumb">
              {it.thumb_url ? (
                <img src={it.thumb_url} alt={it.file_name} loading="lazy" width={160} height={160} />
              ) : (
                <p class="thumb-text" lang="">
                  {it.text ?? it.file_name}
                </p>
              )}
              <span class="thumb-meta">
                <span class="thumb-name" title={it.file_name}>
                  {it.file_name}
                </span>
                <span class="thumb-badges">
                  {it.tag && (
                    <span class="badge badge-tag">
                      <Icon name="tag" size={14} />
                      {it.tag}
                    </span>
                  )}
                  {it.gold != null && (
                    <span class="badge badge-gold" data-testid="gold-badge" title={t('gold_hint')}>
                      <Icon name="star" size={14} />
                      {t('gold')}
                      {goldText(it.gold) ? `: ${goldText(it.gold)}` : ''}
                    </span>
                  )}
                </span>
              </span>
            </li>
          ))}
        </ul>
        <ErrorNote error={error} />
        {busy && <p class="loading" role="status">{t('loading')}</p>}
        {more && items.length > 0 && !busy && (
          <Button icon="more" label={t('load_more')} data-testid="load-more" onClick={() => void loadMore()} />
        )}
      </section>
    </main>
  );
}

type UploadState =
  | { kind: 'idle' }
  | { kind: 'sending'; sent: number; total: number }
  | { kind: 'done'; summary: UploadSummary }
  | { kind: 'error'; error: unknown };

export function UploadPanel({ datasetId, onDone }: { datasetId: number; onDone: () => Promise<void> | void }) {
  const [files, setFiles] = useState<File[]>([]);
  const [state, setState] = useState<UploadState>({ kind: 'idle' });
  const [over, setOver] = useState(false);
  const input = useRef<HTMLInputElement>(null);
  const abort = useRef<AbortController | null>(null);

  function add(list: FileList | null) {
    if (!list) return;
    setFiles((old) => [...old, ...Array.from(list)]);
    if (state.kind !== 'sending') setState({ kind: 'idle' });
  }

  async function send() {
    if (files.length === 0) return;
    const form = new FormData();
    for (const f of files) form.append(await partForFile(f), f, f.name);
    const total = files.reduce((n, f) => n + f.size, 0);
    setState({ kind: 'sending', sent: 0, total });
    abort.current = new AbortController();
    try {
      const res = await upload<UploadResult>(
        `/datasets/${datasetId}/files`,
        form,
        (sent, tot) => setState({ kind: 'sending', sent, total: tot || total }),
        abort.current.signal,
      );
      setFiles([]);
      setState({ kind: 'done', summary: summariseUpload(res) });
      await onDone();
    } catch (e) {
      setState({ kind: 'error', error: e });
    }
  }

  const sending = state.kind === 'sending';
  const pct = sending && state.total > 0 ? Math.min(100, Math.round((state.sent / state.total) * 100)) : 0;
  const totalSize = files.reduce((n, f) => n + f.size, 0);
  return (
    <section class="card" aria-label={t('upload')} data-testid="upload">
      <div class="card-head">
        <h2>
          <Icon name="upload" />
          <span>{t('upload')}</span>
        </h2>
      </div>
      <label
        class={'drop' + (over ? ' drop-over' : '')}
        data-testid="drop"
        onDragOver={(e) => {
          e.preventDefault();
          setOver(true);
        }}
        onDragLeave={() => setOver(false)}
        onDrop={(e) => {
          e.preventDefault();
          setOver(false);
          add(e.dataTransfer?.files ?? null);
        }}
      >
        <Icon name="upload" size={40} />
        <strong class="drop-mouse">{t('drop_here')}</strong>
        <strong class="drop-touch">{t('tap_to_choose')}</strong>
        <span class="muted">{t('drop_kinds')}</span>
        <span class="btn btn-secondary" aria-hidden="true">
          <Icon name="file" />
          <span>{t('choose_files')}</span>
        </span>
        <input
          ref={input}
          class="sr-only"
          type="file"
          multiple
          name="files"
          data-testid="file-input"
          accept="image/*,.zip,.csv,.jsonl,.ndjson,.tif,.tiff,.bmp,.webp"
          disabled={sending}
          onChange={(e) => {
            add(e.currentTarget.files);
            e.currentTarget.value = '';
          }}
        />
      </label>
      {files.length > 0 && (
        <div class="chosen" data-testid="chosen">
          <p>
            <strong>{t('chosen_n', { n: files.length, size: fileSize(totalSize) })}</strong>
          </p>
          <ul class="chosen-list">
            {files.slice(0, 8).map((f, i) => (
              <li key={i}>
                <Icon name={partFor(f.name) === 'texts' ? 'file' : 'image'} size={18} />
                <span>{f.name}</span>
                <span class="muted">{fileSize(f.size)}</span>
              </li>
            ))}
            {files.length > 8 && <li class="muted">{t('and_more', { n: files.length - 8 })}</li>}
          </ul>
          <div class="btn-row">
            <Button icon="upload" kind="primary" label={t('upload_start')} busy={sending} data-testid="upload-start" onClick={() => void send()} />
            {!sending && <Button icon="x" kind="plain" label={t('clear')} onClick={() => setFiles([])} />}
          </div>
        </div>
      )}
      {sending && (
        <div class="progress-wrap" data-testid="upload-progress">
          <progress max={100} value={pct} aria-label={t('upload_progress')} />
          <span role="status">
            {pct < 100
              ? t('uploading_pct', { pct, sent: fileSize(state.sent), total: fileSize(state.total) })
              : t('upload_processing')}
          </span>
          {pct < 100 && (
            <Button icon="x" kind="plain" label={t('upload_stop')} data-testid="upload-stop" onClick={() => abort.current?.abort()} />
          )}
        </div>
      )}
      {state.kind === 'error' && <UploadError error={state.error} />}
      {state.kind === 'done' && <Outcome summary={state.summary} />}
    </section>
  );
}

const STATUS_ICON = { accepted: 'check', duplicate: 'copyDup', rejected: 'alert' } as const;

function Outcome({ summary }: { summary: UploadSummary }) {
  const [all, setAll] = useState(false);
  const shown = all ? summary.files : summary.files.slice(0, 50);
  return (
    <div class="outcome" data-testid="outcome">
      <Note kind={summary.rejected > 0 ? 'info' : 'ok'}>
        {t('upload_summary', { a: summary.accepted, d: summary.duplicates, r: summary.rejected })}
      </Note>
      <div class="outcome-counts">
        <span class="badge badge-ok" data-testid="n-accepted">
          <Icon name="check" size={14} />
          {t('st_accepted')} {summary.accepted}
        </span>
        <span class="badge" data-testid="n-duplicates">
          <Icon name="copyDup" size={14} />
          {t('st_duplicate')} {summary.duplicates}
        </span>
        <span class="badge badge-locked" data-testid="n-rejected">
          <Icon name="alert" size={14} />
          {t('st_rejected')} {summary.rejected}
        </span>
      </div>
      <ul class="outcome-list">
        {shown.map((f, i) => {
          const rk = rejectKey(f.code);
          return (
            <li key={i} class={'oc oc-' + f.status} data-testid="outcome-row" data-status={f.status}>
              <Icon name={STATUS_ICON[f.status] ?? 'info'} size={18} />
              <span class="oc-name">{f.file_name}</span>
              <span class="oc-status">{t(('st_' + f.status) as Key)}</span>
              {f.status === 'rejected' && (
                <span class="oc-reason" title={f.message ?? undefined}>
                  {rk ? t(rk) : f.message ?? f.code}
                </span>
              )}
            </li>
          );
        })}
      </ul>
      {!all && summary.files.length > 50 && (
        <Button icon="more" kind="plain" label={t('show_all', { n: summary.files.length })} onClick={() => setAll(true)} />
      )}
    </div>
  );
}

/** A refused upload: our words for the upload's own codes (the server's detail under them). */
function UploadError({ error }: { error: unknown }) {
  const key = error instanceof ApiError ? uploadErrorKey(error.code) : null;
  if (!key || !(error instanceof ApiError)) return <ErrorNote error={error} />;
  return (
    <Note kind="error" testid="error">
      {t(key)}
      {error.code === 'bad_manifest' && (
        <small class="err-detail" lang="en">
          {error.message}
        </small>
      )}
    </Note>
  );
}

/** The orders on this dataset, if any (a row each, to their page). */
function DatasetOrders({ mine }: { mine: Order[] }) {
  if (mine.length === 0) return null;
  return (
    <section class="card" aria-label={t('orders')} data-testid="dataset-orders">
      <div class="card-head">
        <h2>
          <Icon name="clipboard" />
          <span>{t('orders')}</span>
        </h2>
      </div>
      <ul class="rows">
        {mine.map((o) => (
          <li key={o.id}>
            <a
              class="row row-link"
              href={`#/orders/${o.id}`}
              onClick={(e) => {
                e.preventDefault();
                go(`#/orders/${o.id}`);
              }}
            >
              <Icon name="clipboard" />
              <span class="row-main">
                <strong>{o.spec.name}</strong>
                <span class="muted">{t('resolved_of', { n: o.counts.resolved, total: o.counts.items })}</span>
              </span>
              <StateBadge state={o.state} />
              <Icon name="forward" />
            </a>
          </li>
        ))}
      </ul>
    </section>
  );
}
