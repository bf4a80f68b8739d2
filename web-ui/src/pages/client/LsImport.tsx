// Importing labels into a dataset: a Label Studio JSON export (each task's annotation becomes
// its picture's or text's known answer, read with an order's questions or, without one, as
// choices and boxes), or a COCO JSON, YOLO ZIP or CVAT XML file read with an order's drawing
// question (the file is posted as it is; the order is required). The server answers each
// task's or picture's outcome; the panel counts them and lists what it skipped and why.
// Or, as "model suggestions" (a robot), the same files (plus a JSONL of a model's answers)
// become an order's model suggestions (`?as=suggestions`; the order is required): the server
// answers what it stored and what it dropped, each with its code and why.

import { useRef, useState } from 'preact/hooks';
import { ApiError, api } from '../../api';
import { t, type Key } from '../../i18n';
import { Icon, type IconName } from '../../components/Icon';
import { Button, ErrorNote, Field, Note } from '../../components/ui';
import type { Order } from '../../orders';

interface TaskOutcome {
  index: number;
  task_id: unknown;
  outcome: 'labelled' | 'created' | 'unlabelled' | 'skipped';
  item_id: number | null;
  reason: string | null;
}

/** What an import of model suggestions answers (`SuggestionsOut`). */
export interface SuggestionsOut {
  stored: number;
  kept_planted: number;
  /** Index: a JSONL line (from 1), a task or a picture (from 0). */
  dropped: { index: number; item_id: number | null; code: string; reason: string }[];
}

export interface LsImportOut {
  labelled: number;
  created: number;
  unlabelled: number;
  skipped: number;
  tasks: TaskOutcome[];
  suggestions?: SuggestionsOut;
}

/** What the COCO, YOLO and CVAT imports answer: one outcome per picture of the file. */
export interface ImagesImportOut {
  labelled: number;
  unlabelled: number;
  skipped: number;
  images: { index: number; file_name: string; outcome: 'labelled' | 'unlabelled' | 'skipped'; item_id: number | null; reason: string | null }[];
  suggestions?: SuggestionsOut;
}

export type ImportFormat = 'labelstudio' | 'coco' | 'yolo' | 'cvat' | 'jsonl';

/** What the file's answers become: known answers, or an order's model suggestions. */
export type ImportAs = 'known' | 'suggestions';

/** The formats offered, each with its icon, the files it takes and the type it is sent as. */
export const FORMATS: { key: ImportFormat; icon: IconName; accept: string; file: Key; hint: Key }[] = [
  { key: 'labelstudio', icon: 'file', accept: '.json,application/json', file: 'ls_import_file', hint: 'ls_import_hint' },
  { key: 'coco', icon: 'polygon', accept: '.json,application/json', file: 'ls_import_file', hint: 'import_hint_coco' },
  { key: 'yolo', icon: 'box', accept: '.zip,application/zip', file: 'import_file_zip', hint: 'import_hint_yolo' },
  { key: 'cvat', icon: 'pen', accept: '.xml,.zip,application/xml,text/xml,application/zip', file: 'import_file_xml', hint: 'import_hint_cvat' },
  { key: 'jsonl', icon: 'list', accept: '.jsonl,.ndjson,.json,application/x-ndjson', file: 'import_file_jsonl', hint: 'import_hint_jsonl' },
];

/** The formats offered for known answers or for suggestions (JSONL only for suggestions). */
export function formatsFor(as: ImportAs) {
  return FORMATS.filter((f) => as === 'suggestions' || f.key !== 'jsonl');
}

/** The hint of a format for what the import makes. */
export function hintOf(format: ImportFormat, as: ImportAs): Key {
  if (as === 'known') return FORMATS.find((x) => x.key === format)!.hint;
  return `suggest_hint_${format}` as Key;
}

/** Where a file of a format is posted, for what the import makes. */
export function importUrl(format: ImportFormat, as: ImportAs, datasetId: number, order: string): string {
  if (format === 'jsonl') return `/orders/${order}/suggestions`;
  const q = new URLSearchParams();
  if (order) q.set('order', order);
  if (as === 'suggestions') q.set('as', 'suggestions');
  const qs = q.toString();
  return `/datasets/${datasetId}/${format}${qs ? '?' + qs : ''}`;
}

/** The content type a file of a format is posted with. */
export function contentType(format: ImportFormat, fileName: string): string {
  if (format === 'jsonl') return 'application/x-ndjson';
  if (format === 'yolo' || fileName.toLowerCase().endsWith('.zip')) return 'application/zip';
  if (format === 'cvat') return 'application/xml';
  return 'application/json';
}

/** One line of the outcome: a task or a picture that was skipped or has a note. */
interface Row {
  index: number;
  name: string | null;
  reason: string | null;
}

/** An import's outcome, whichever format: the counts and the rows worth showing. */
export interface Outcome {
  format: ImportFormat;
  labelled: number;
  created: number;
  unlabelled: number;
  skipped: number;
  rows: Row[];
  /** Model suggestions stored and dropped, when the import made any. */
  suggested: SuggestionsOut | null;
}

export function outcomeOf(format: ImportFormat, r: LsImportOut | ImagesImportOut | SuggestionsOut): Outcome {
  if ('stored' in r) {
    return { format, labelled: 0, created: 0, unlabelled: 0, skipped: 0, rows: [], suggested: r };
  }
  const suggested = r.suggestions ?? null;
  if ('tasks' in r) {
    return {
      format,
      labelled: r.labelled,
      created: r.created,
      unlabelled: r.unlabelled,
      skipped: r.skipped,
      rows: r.tasks.filter((x) => x.outcome === 'skipped' || x.reason).map((x) => ({ index: x.index, name: null, reason: x.reason })),
      suggested,
    };
  }
  return {
    format,
    labelled: r.labelled,
    created: 0,
    unlabelled: r.unlabelled,
    skipped: r.skipped,
    rows: (r.images ?? []).filter((x) => x.outcome === 'skipped' || x.reason).map((x) => ({ index: x.index, name: x.file_name, reason: x.reason })),
    suggested,
  };
}

const DROP_CODES = ['unknown_item', 'unknown_question', 'unknown_class', 'does_not_fit', 'bad_score', 'not_json'];

/** A dropped suggestion's code in words (a code the panel does not know, as it is). */
export function dropWords(code: string): string {
  return DROP_CODES.includes(code) ? t(`suggest_drop_${code}` as Key) : code;
}

/** Where a dropped suggestion came from, in words: a JSONL line, a task or a picture. */
function droppedAt(format: ImportFormat, index: number): string {
  if (format === 'jsonl') return t('jsonl_line_n', { n: index });
  if (format === 'labelstudio') return t('ls_task_n', { n: index + 1 });
  return t('import_image_n', { n: index + 1 });
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
  const [as, setAs] = useState<ImportAs>('known');
  const [format, setFormat] = useState<ImportFormat>('labelstudio');
  const [file, setFile] = useState<File | null>(null);
  const [order, setOrder] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [bad, setBad] = useState(false);
  const [out, setOut] = useState<Outcome | null>(null);
  const input = useRef<HTMLInputElement>(null);
  const f = FORMATS.find((x) => x.key === format)!;
  const needsOrder = format !== 'labelstudio' || as === 'suggestions';

  function reset() {
    setFile(null);
    setOut(null);
    setError(null);
    setBad(false);
    if (input.current) input.current.value = '';
  }

  function chooseAs(k: ImportAs) {
    if (k === as) return;
    setAs(k);
    if (k === 'known' && format === 'jsonl') setFormat('labelstudio');
    reset();
  }

  function choose(k: ImportFormat) {
    if (k === format) return;
    setFormat(k);
    setFile(null);
    setOut(null);
    setError(null);
    setBad(false);
    if (input.current) input.current.value = '';
  }

  async function send(ev: Event) {
    ev.preventDefault();
    if (!file || (needsOrder && !order)) return;
    setBusy(true);
    setError(null);
    setBad(false);
    setOut(null);
    try {
      if (format === 'labelstudio') {
        const tasks = lsTasks(await file.text());
        if (!tasks) {
          setBad(true);
          return;
        }
        setOut(outcomeOf(format, await api.post<LsImportOut>(importUrl(format, as, datasetId, order), tasks)));
      } else {
        const body = new Blob([file], { type: contentType(format, file.name) });
        setOut(outcomeOf(format, await api.post<ImagesImportOut | SuggestionsOut>(importUrl(format, as, datasetId, order), body)));
      }
      onDone();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  }

  return (
    <section class="card stack" aria-labelledby="ls-import-title" data-testid="ls-import">
      <div class="card-head">
        <h2 id="ls-import-title">
          <Icon name="upload" />
          <span>{t('import_labels_title')}</span>
        </h2>
      </div>
      <div class="stack" role="group" aria-label={t('import_as')}>
        <span class="muted">{t('import_as')}</span>
        <div class="btn-row" data-testid="import-as">
          {(['known', 'suggestions'] as const).map((k) => (
            <Button
              key={k}
              icon={k === 'known' ? 'check' : 'bot'}
              kind={k === as ? 'primary' : 'secondary'}
              label={t(`import_as_${k}` as Key)}
              aria-pressed={k === as}
              data-testid={'import-as-' + k}
              onClick={() => chooseAs(k)}
            />
          ))}
        </div>
      </div>
      <div class="stack" role="group" aria-label={t('import_format')}>
        <span class="muted">{t('import_format')}</span>
        <div class="btn-row" data-testid="import-formats">
          {formatsFor(as).map((x) => (
            <Button
              key={x.key}
              icon={x.icon}
              kind={x.key === format ? 'primary' : 'secondary'}
              label={t(`import_fmt_${x.key}` as Key)}
              aria-pressed={x.key === format}
              data-testid={'import-format-' + x.key}
              onClick={() => choose(x.key)}
            />
          ))}
        </div>
      </div>
      <p class="muted" data-testid="import-hint">
        {t(hintOf(format, as))}
      </p>
      <form class="form-grid" onSubmit={send}>
        <Field label={t(f.file)}>
          <input
            ref={input}
            type="file"
            name="ls_file"
            accept={f.accept}
            data-testid="ls-file"
            onChange={(e) => setFile(e.currentTarget.files?.[0] ?? null)}
          />
        </Field>
        <Field label={t('ls_import_order')}>
          <select name="ls_order" value={order} data-testid="ls-order" onChange={(e) => setOrder(e.currentTarget.value)}>
            <option value="">{needsOrder ? t('import_pick_order') : t('ls_import_no_order')}</option>
            {orders.map((o) => (
              <option key={o.id} value={String(o.id)}>
                {o.spec.name}
              </option>
            ))}
          </select>
        </Field>
        {needsOrder && !order && (
          <Note kind="info" testid="import-order-needed">
            {t(as === 'suggestions' ? 'suggest_order_needed' : 'import_order_needed')}
          </Note>
        )}
        <div class="btn-row">
          <Button
            type="submit"
            icon="upload"
            kind="primary"
            label={t('ls_import_go')}
            busy={busy}
            disabled={!file || (needsOrder && !order)}
            data-testid="ls-send"
          />
        </div>
      </form>
      {bad && <Note kind="error">{t('ls_import_bad_json')}</Note>}
      <ErrorNote error={error} />
      {error instanceof ApiError && error.code === 'validation' && (
        // Why the file could not be read, as the server says it.
        <p class="muted" lang="en" data-testid="import-why">
          {error.message}
        </p>
      )}
      {out?.suggested && (
        <Note kind={out.suggested.stored > 0 ? 'ok' : 'info'} testid="suggest-result">
          {t('suggest_done', { n: out.suggested.stored, d: out.suggested.dropped.length, p: out.suggested.kept_planted })}
        </Note>
      )}
      {out?.suggested && out.suggested.dropped.length > 0 && (
        <ul class="rows" data-testid="suggest-dropped">
          {out.suggested.dropped.slice(0, 50).map((x) => (
            <li class="row row-wrap" key={x.index}>
              <Icon name="alert" />
              <div class="row-main">
                <strong>{droppedAt(out.format, x.index)}</strong>
                <span>{dropWords(x.code)}</span>
                <span class="muted" lang="en">
                  {x.reason}
                </span>
              </div>
            </li>
          ))}
        </ul>
      )}
      {out && as === 'known' && (
        <Note kind={out.labelled + out.created > 0 ? 'ok' : 'info'} testid="ls-result">
          {out.format === 'labelstudio'
            ? t('ls_import_done', { n: out.labelled, c: out.created, u: out.unlabelled, s: out.skipped })
            : t('import_done_images', { n: out.labelled, u: out.unlabelled, s: out.skipped })}
        </Note>
      )}
      {out && out.rows.length > 0 && (
        <ul class="rows" data-testid="ls-skipped">
          {out.rows.slice(0, 50).map((x) => (
            <li class="row row-wrap" key={x.index}>
              <Icon name="alert" />
              <div class="row-main">
                <strong>{out.format === 'labelstudio' ? t('ls_task_n', { n: x.index + 1 }) : t('import_image_n', { n: x.index + 1 })}</strong>
                {x.name && <span>{x.name}</span>}
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
