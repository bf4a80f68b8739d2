// The client's instructions panel on an open (or paused) order: change the words, add one of
// the order's items as an example with words (a new version each time; annotators see it at
// their next item), see the versions, and record the read-alouds of the instructions and of
// each label.

import { useState } from 'preact/hooks';
import { api, type Items } from '../../api';
import { getLang, t } from '../../i18n';
import { shortTime } from '../../util';
import { Icon } from '../../components/Icon';
import { Button, ErrorNote, LoadState, Note, useLoad } from '../../components/ui';
import { Recorder } from '../../components/Recorder';
import type { Order } from '../../orders';
import type { Item } from './Dataset';

export interface InstructionsVersion {
  version: number;
  instructions: string;
  instruction_examples: number[];
  example_item_id: number | null;
  example_words: string | null;
  created_at: number;
}

export interface Versions {
  current_version: number;
  versions: InstructionsVersion[];
  recordings: { target: string; url: string }[];
}

export function InstructionsPanel({ o }: { o: Order }) {
  const versions = useLoad(() => api.get<Versions>(`/orders/${o.id}/instructions`), [o.id]);
  const items = useLoad(() => api.get<Items<Item>>(`/datasets/${o.dataset_id}/items?after=0&limit=24`), [o.dataset_id]);
  const [text, setText] = useState(o.spec.instructions ?? '');
  const [pick, setPick] = useState<number | null>(null);
  const [words, setWords] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [said, setSaid] = useState<number | null>(null);
  const open = o.state === 'open' || o.state === 'paused';
  const en = getLang() === 'en';

  async function send(body: Record<string, unknown>) {
    setBusy(true);
    setError(null);
    setSaid(null);
    try {
      const v = await api.post<InstructionsVersion>(`/orders/${o.id}/instructions`, body);
      setSaid(v.version);
      setPick(null);
      setWords('');
      await versions.reload();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  }

  const recording = (target: string) => versions.data?.recordings.find((r) => r.target === target)?.url ?? null;
  return (
    <section class="card instructions-panel stack" aria-label={t('ins_title')} data-testid="instructions-panel">
      <div class="card-head">
        <h2>
          <Icon name="book" /> {t('ins_title')}
          {versions.data && <span class="muted"> · {t('ins_version', { n: versions.data.current_version })}</span>}
        </h2>
      </div>
      {!open ? (
        <Note kind="info" testid="instructions-closed">
          {o.state === 'draft' ? t('ins_draft') : t('ins_closed')}
        </Note>
      ) : (
        <>
          <label class="field">
            <span>{t('ins_text')}</span>
            <textarea rows={3} maxLength={2000} data-testid="instructions-text" value={text} onInput={(e) => setText(e.currentTarget.value)} />
          </label>
          <Button
            icon="send"
            kind="primary"
            label={t('ins_save_text')}
            data-testid="instructions-save"
            busy={busy}
            disabled={text.trim() === (o.spec.instructions ?? '').trim()}
            onClick={() => void send({ instructions: text })}
          />
          <fieldset class="stack">
            <legend>
              <Icon name="image" /> {t('ins_example_item')}
            </legend>
            <LoadState state={items}>
              {(d) => (
                <div class="thumbs thumbs-small" role="radiogroup" aria-label={t('ins_example_item')}>
                  {d.items.map((it) => (
                    <div key={it.id} class={'thumb' + (pick === it.id ? ' thumb-set' : '')}>
                      <button
                        type="button"
                        class="btn btn-plain thumb-pick"
                        role="radio"
                        aria-checked={pick === it.id}
                        aria-label={it.file_name}
                        data-testid="instructions-example-item"
                        data-item-id={it.id}
                        onClick={() => setPick(it.id)}
                      >
                        {it.thumb_url ? <img src={it.thumb_url} alt="" loading="lazy" width={96} height={96} /> : <span class="thumb-text">{it.text ?? it.file_name}</span>}
                      </button>
                    </div>
                  ))}
                </div>
              )}
            </LoadState>
            <label class="field">
              <span>{t('ins_example_words')}</span>
              <input
                type="text"
                maxLength={200}
                placeholder={t('ins_example_words_hint')}
                data-testid="instructions-example-words"
                value={words}
                onInput={(e) => setWords(e.currentTarget.value)}
              />
            </label>
            <Button
              icon="plus"
              kind="primary"
              label={t('ins_add_example')}
              data-testid="instructions-add-example"
              busy={busy}
              disabled={pick === null || !words.trim()}
              onClick={() => void send({ example_item_id: pick, example_words: words })}
            />
          </fieldset>
          {said !== null && <Note kind="ok" testid="instructions-saved">{t('ins_saved', { n: said })}</Note>}
          <ErrorNote error={error} />
          <div class="stack">
            <Recorder path={`/orders/${o.id}/recordings/instructions`} label={t('ins_record_instructions')} existing={recording('instructions')} onSaved={() => void versions.reload()} testid="record-instructions" />
            {o.spec.labels.map((l) => (
              <Recorder
                key={l.key}
                path={`/orders/${o.id}/recordings/label:${encodeURIComponent(l.key)}`}
                label={t('ins_record_label', { name: (en ? l.name_en || l.name_zh : l.name_zh || l.name_en) || l.key })}
                existing={recording(`label:${l.key}`)}
                onSaved={() => void versions.reload()}
                testid={`record-label-${l.key}`}
              />
            ))}
          </div>
        </>
      )}
      <LoadState state={versions}>
        {(d) => (
          <details data-testid="instructions-versions">
            <summary>
              <Icon name="list" /> {t('ins_versions')} ({d.versions.length})
            </summary>
            <ol class="versions" reversed>
              {d.versions.map((v) => (
                <li key={v.version} data-testid="instructions-version">
                  <strong>{t('ins_version', { n: v.version })}</strong> <span class="muted">{shortTime(v.created_at, getLang())}</span>
                  <p>{v.instructions}</p>
                  {v.example_words && (
                    <p>
                      <Icon name="image" /> {v.example_words}
                    </p>
                  )}
                </li>
              ))}
            </ol>
          </details>
        )}
      </LoadState>
    </section>
  );
}
