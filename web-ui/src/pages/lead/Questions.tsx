// The lead's questions tab: the centre's questions (open first) with the item, the reason,
// the words and the voice note; answer by words, a recorded voice note and/or by drawing on
// the item's picture, or forward the question to the order's client.

import { useRef, useState } from 'preact/hooks';
import { api } from '../../api';
import { t } from '../../i18n';
import { Icon } from '../../components/Icon';
import { Button, ErrorNote, LoadState, Section, useLoad } from '../../components/ui';
import { Markup, type MarkupControl } from '../../components/Markup';
import { blobBase64, QuestionCard, Recorder, type QuestionOut, type Voice } from '../work/Ask';

interface QuestionsOut {
  questions: QuestionOut[];
}

/** Answer by words, voice and/or a drawing on the item's picture (`picture`: its screen
 * copy; none for a text item); shared by the lead's tab and the client's order page. */
export function AnswerForm({
  path,
  picture,
  onDone,
  onForward,
}: {
  path: string;
  picture?: string | null;
  onDone: () => void;
  onForward?: () => Promise<void>;
}) {
  const [text, setText] = useState('');
  const [voice, setVoice] = useState<Voice | null>(null);
  const [drawing, setDrawing] = useState(false);
  const [shapes, setShapes] = useState(0);
  const markup = useRef<MarkupControl | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  async function run(f: () => Promise<unknown>) {
    setBusy(true);
    setError(null);
    try {
      await f();
      onDone();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  }
  async function answer() {
    const body: Record<string, unknown> = {};
    if (text.trim()) body.text = text.trim();
    if (voice) body.voice = { base64: await blobBase64(voice.blob), duration_ms: voice.ms };
    if (drawing && markup.current && markup.current.count() > 0) {
      const png = await markup.current.toBlob();
      if (png) body.picture = { base64: await blobBase64(png) };
    }
    await api.post(path, body);
  }
  const drawn = drawing && shapes > 0;
  return (
    <div class="answer-form" data-testid="answer-form">
      <label class="ask-text">
        <Icon name="edit" size={18} />
        <span class="sr-only">{t('lq_answer_text')}</span>
        <input
          type="text"
          maxLength={500}
          placeholder={t('lq_answer_text')}
          value={text}
          data-testid="answer-text"
          onInput={(e) => setText((e.target as HTMLInputElement).value)}
        />
      </label>
      <Recorder voice={voice} setVoice={setVoice} />
      {picture &&
        (drawing ? (
          <>
            <Markup src={picture} control={markup} onChange={setShapes} />
            <Button icon="x" kind="plain" label={t('mk_close')} data-testid="answer-draw-close" onClick={() => setDrawing(false)} />
          </>
        ) : (
          <Button icon="pen" kind="secondary" class="btn-big" label={t('mk_draw')} data-testid="answer-draw" onClick={() => setDrawing(true)} />
        ))}
      <div class="row-actions">
        <Button
          icon="send"
          kind="primary"
          label={t('lq_answer')}
          disabled={busy || (!text.trim() && !voice && !drawn)}
          data-testid="answer-send"
          onClick={() => void run(answer)}
        />
        {onForward && (
          <Button icon="forward" kind="secondary" label={t('lq_forward')} disabled={busy} data-testid="answer-forward" onClick={() => void run(onForward)} />
        )}
      </div>
      <ErrorNote error={error} />
    </div>
  );
}

export function QuestionsPage() {
  const qs = useLoad(() => api.get<QuestionsOut>('/lead/questions'));
  return (
    <Section icon="message" title={t('lq_title')} testid="lead-questions">
      <LoadState state={qs}>
        {(d) =>
          d.questions.length === 0 ? (
            <p class="muted">{t('lq_empty')}</p>
          ) : (
            <ul class="question-list">
              {d.questions.map((q) => (
                <li key={q.id} class="lead-question" data-testid="lead-question" data-id={q.id}>
                  <p class="question-asker">
                    <Icon name="user" size={18} /> {q.asker_name} · {q.order_name}
                  </p>
                  <ul class="question-list">
                    <QuestionCard q={q} />
                  </ul>
                  {!q.answer &&
                    (q.forwarded_at ? (
                      <p class="muted" data-testid="forwarded">
                        <Icon name="forward" size={18} /> {t('lq_forwarded')}
                      </p>
                    ) : (
                      <AnswerForm
                        path={`/lead/questions/${q.id}/answer`}
                        picture={q.item.screen_url}
                        onDone={() => void qs.reload()}
                        onForward={async () => {
                          await api.post(`/lead/questions/${q.id}/forward`);
                        }}
                      />
                    ))}
                </li>
              ))}
            </ul>
          )
        }
      </LoadState>
    </Section>
  );
}

/** The client's order page section: questions forwarded to them, answered ones. */
export function OrderQuestions({ orderId }: { orderId: number }) {
  const qs = useLoad(() => api.get<QuestionsOut>(`/orders/${orderId}/questions`), [orderId]);
  return (
    <Section icon="message" title={t('oq_title')} testid="order-questions">
      <LoadState state={qs}>
        {(d) =>
          d.questions.length === 0 ? (
            <p class="muted">{t('oq_empty')}</p>
          ) : (
            <ul class="question-list">
              {d.questions.map((q) => (
                <li key={q.id} data-testid="order-question" data-id={q.id}>
                  <ul class="question-list">
                    <QuestionCard q={q} />
                  </ul>
                  {!q.answer && <AnswerForm path={`/orders/${orderId}/questions/${q.id}/answer`} picture={q.item.screen_url} onDone={() => void qs.reload()} />}
                  {q.answer?.text && <Promote orderId={orderId} q={q} words={q.answer.text} />}
                </li>
              ))}
            </ul>
          )
        }
      </LoadState>
    </Section>
  );
}

/** The instructions' longest words for an example (the server refuses longer). */
const EXAMPLE_WORDS_MAX = 200;

/** One step from an answered question to the order's instructions: its item becomes a new
 * example with the answer's words, a new version everyone sees at their next item. */
export function Promote({ orderId, q, words }: { orderId: number; q: QuestionOut; words: string }) {
  const [version, setVersion] = useState<number | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  async function promote() {
    setBusy(true);
    setError(null);
    try {
      const v = await api.post<{ version: number }>(`/orders/${orderId}/instructions`, {
        example_item_id: q.item.item_id,
        example_words: [...words.trim()].slice(0, EXAMPLE_WORDS_MAX).join(''),
      });
      setVersion(v.version);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  }
  if (version !== null)
    return (
      <p class="muted" role="status" data-testid="promoted">
        <Icon name="check" /> {t('ins_saved', { n: version })}
      </p>
    );
  return (
    <div class="answer-form">
      <Button icon="book" kind="secondary" label={t('oq_promote')} disabled={busy} data-testid="promote" onClick={() => void promote()} />
      {error !== null && <ErrorNote error={error} />}
    </div>
  );
}
