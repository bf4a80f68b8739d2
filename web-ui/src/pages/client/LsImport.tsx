// Importing a Label Studio JSON export into a dataset: each task's annotation becomes its
// picture's (or text's) known answer, read with an order's questions or, without one, as
// choices and boxes. The server answers every task's outcome; the page counts them and lists
// what it skipped and why.

import { useRef, useState } from 'preact/hooks';
import { api } from '../../api';
import { t } from '../../i18n';
import { Icon } from '../../components/Icon';
import { Button, ErrorNote, Field, Note } from '../../components/ui';
import type { Order } from '../../orders';

interface TaskOutcome {
  index: number;
  task_id: unknown;
  outcome: 'labelled' | 'created' | 'unlabelled' | 'skipped';
  item_id: number | null;
  reason: string | null;
}

export interface LsImportOut {
  labelled: number;
  created: number;
  unlabelled: number;
  skipped: number;
  tasks: TaskOutcome[];
}

/** The tasks of a Label Studio JSON export (a list of tasks), or null when it is not one. */
export function lsTasks(text: string): unknown[] | null {
  try {
    const v: unknown = JSON.parse(text);
    return Array.isArray(v) && v.every((x) => x && typeof x === 'object' && !Array.isArray(x)) ? v : null;
  } catch {
    return null;
  }
}

export function LsImportPanel({ datasetId, orders, onDone }: { datasetId: number; orders: Order[]; onDone: () => void }) {
  const [file, setFile] = useState<File | null>(null);
  const [order, setOrder] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [bad, setBad] = useState(false);
  const [out, setOut] = useState<LsImportOut | null>(null);
  const input = useRef<HTMLInputElement>(null);

  async function send(ev: Event) {
    ev.preventDefault();
    if (!file) return;
    setBusy(true);
    setError(null);
    setBad(false);
    setOut(null);
    try {
      const tasks = lsTasks(await file.text());
      if (!tasks) {
        setBad(true);
        return;
      }
      const q = order ? `?order=${order}` : '';
      const r = await api.post<LsImportOut>(`/datasets/${datasetId}/labelstudio${q}`, tasks);
      setOut(r);
      onDone();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  }

  const skipped = out?.tasks.filter((x) => x.outcome === 'skipped' || x.reason) ?? [];
  return (
    <section class="card stack" aria-labelledby="ls-import-title" data-testid="ls-import">
      <div class="card-head">
        <h2 id="ls-import-title">
          <Icon name="upload" />
          <span>{t('ls_import_title')}</span>
        </h2>
      </div>
      <p class="muted">{t('ls_import_hint')}</p>
      <form class="form-grid" onSubmit={send}>
        <Field label={t('ls_import_file')}>
          <input
            ref={input}
            type="file"
            name="ls_file"
            accept=".json,application/json"
            data-testid="ls-file"
            onChange={(e) => setFile(e.currentTarget.files?.[0] ?? null)}
          />
        </Field>
        <Field label={t('ls_import_order')}>
          <select name="ls_order" value={order} data-testid="ls-order" onChange={(e) => setOrder(e.currentTarget.value)}>
            <option value="">{t('ls_import_no_order')}</option>
            {orders.map((o) => (
              <option key={o.id} value={String(o.id)}>
                {o.spec.name}
              </option>
            ))}
          </select>
        </Field>
        <div class="btn-row">
          <Button type="submit" icon="upload" kind="primary" label={t('ls_import_go')} busy={busy} disabled={!file} data-testid="ls-send" />
        </div>
      </form>
      {bad && <Note kind="error">{t('ls_import_bad_json')}</Note>}
      <ErrorNote error={error} />
      {out && (
        <Note kind={out.labelled + out.created > 0 ? 'ok' : 'info'} testid="ls-result">
          {t('ls_import_done', { n: out.labelled, c: out.created, u: out.unlabelled, s: out.skipped })}
        </Note>
      )}
      {skipped.length > 0 && (
        <ul class="rows" data-testid="ls-skipped">
          {skipped.slice(0, 50).map((x) => (
            <li class="row row-wrap" key={x.index}>
              <Icon name="alert" />
              <div class="row-main">
                <strong>{t('ls_task_n', { n: x.index + 1 })}</strong>
                <span class="muted" lang="en">
                  {x.reason}
                </span>
              </div>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
