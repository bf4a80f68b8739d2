// Questions on an item: the workbench's ask sheet (reason pictures, a voice note recorded
// with MediaRecorder, a few words, hold or skip; answered questions like it first, which may
// answer it already), and the home screen's list of my questions with their answers (words,
// a voice answer, the picture drawn on; a badge for new ones) and the answers others got.

import type { ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { api } from '../../api';
import { t, type Key } from '../../i18n';
import { Icon, type IconName } from '../../components/Icon';
import { ErrorNote, Note } from '../../components/ui';

export type QuestionReason = 'unclear' | 'no_label_fits' | 'several_fit' | 'rule_unclear' | 'other';

export interface QuestionAnswer {
  text: string | null;
  voice_url: string | null;
  voice_ms: number | null;
  /** The item's picture as the answerer drew on it. */
  picture_url: string | null;
  by_name: string | null;
  by_role: string | null;
  at: number;
  seen_at: number | null;
}

export interface QuestionOut {
  id: number;
  asker_name: string;
  order_id: number;
  order_name: string;
  item: { item_id: number; kind: string; thumb_url: string | null; screen_url: string | null; text: string | null };
  reason: QuestionReason;
  text: string | null;
  voice_url: string | null;
  voice_ms: number | null;
  hold: boolean;
  created_at: number;
  forwarded_at: number | null;
  answer: QuestionAnswer | null;
  /** Why someone else's answered question is shown (null in one's own lists). */
  why?: 'same_item' | 'similar' | 'same_reason' | null;
  /** For `why: similar` at home: the id of my question it is like. */
  similar_to?: number | null;
}

export interface MyQuestions {
  questions: QuestionOut[];
  new_answers: number;
  on_my_items: QuestionOut[];
}

export const REASONS: { reason: QuestionReason; icon: IconName }[] = [
  { reason: 'unclear', icon: 'eyeOff' },
  { reason: 'no_label_fits', icon: 'ban' },
  { reason: 'several_fit', icon: 'copyDup' },
  { reason: 'rule_unclear', icon: 'book' },
  { reason: 'other', icon: 'more' },
];

/** The longest voice note (the server refuses longer). */
export const MAX_VOICE_S = 60;

export interface Voice {
  blob: Blob;
  ms: number;
}

/** Reads a blob as base64 (without the `data:` prefix). */
export function blobBase64(b: Blob): Promise<string> {
  return new Promise((resolve, reject) => {
    const r = new FileReader();
    r.onload = () => resolve(String(r.result).replace(/^data:[^,]*,/, ''));
    r.onerror = () => reject(r.error);
    r.readAsDataURL(b);
  });
}

/** A voice recorder: record (seconds shown), stop (at 60 s at the latest), play back. */
export function Recorder({ voice, setVoice }: { voice: Voice | null; setVoice: (v: Voice | null) => void }) {
  const [secs, setSecs] = useState<number | null>(null);
  const [failed, setFailed] = useState(false);
  const rec = useRef<MediaRecorder | null>(null);
  const started = useRef(0);
  const timer = useRef<number | undefined>(undefined);
  useEffect(() => () => stop(), []);
  function stop() {
    window.clearInterval(timer.current);
    if (rec.current && rec.current.state !== 'inactive') rec.current.stop();
  }
  async function start() {
    setFailed(false);
    try {
      const stream = await navigator.mediaDevices.getUserMedia({ audio: true });
      const r = new MediaRecorder(stream);
      const chunks: Blob[] = [];
      r.ondataavailable = (e) => e.data.size > 0 && chunks.push(e.data);
      r.onstop = () => {
        stream.getTracks().forEach((tr) => tr.stop());
        const ms = Math.min(MAX_VOICE_S * 1000, Math.max(1, Date.now() - started.current));
        setVoice({ blob: new Blob(chunks, { type: r.mimeType || 'audio/webm' }), ms });
        setSecs(null);
      };
      rec.current = r;
      started.current = Date.now();
      r.start();
      setSecs(0);
      timer.current = window.setInterval(() => {
        const s = Math.floor((Date.now() - started.current) / 1000);
        setSecs(s);
        if (s >= MAX_VOICE_S - 1) stop();
      }, 250);
    } catch {
      setFailed(true);
    }
  }
  const url = voice ? URL.createObjectURL(voice.blob) : null;
  return (
    <div class="ask-recorder" data-testid="ask-recorder">
      {secs !== null ? (
        <button type="button" class="btn btn-primary btn-big" data-testid="ask-stop" onClick={stop}>
          <Icon name="stop" />
          <span>{t('ask_stop')}</span>
          <span data-testid="ask-seconds">{t('ask_recording', { s: secs })}</span>
        </button>
      ) : (
        <button type="button" class="btn btn-secondary btn-big" data-testid="ask-record" onClick={() => void start()}>
          <Icon name="mic" />
          <span>{voice ? t('ask_rerecord') : t('ask_record')}</span>
        </button>
      )}
      {voice && url && secs === null && (
        <p class="ask-recorded" data-testid="ask-recorded">
          <Icon name="check" size={18} />
          {t('ask_recorded', { s: Math.max(1, Math.round(voice.ms / 1000)) })}
          <audio controls src={url} data-testid="ask-playback" />
          <button type="button" class="btn btn-plain btn-icon" aria-label={t('cancel')} onClick={() => setVoice(null)}>
            <Icon name="x" />
          </button>
        </p>
      )}
      {failed && <Note kind="info">{t('ask_no_mic')}</Note>}
    </div>
  );
}

/** The ask sheet for one item of the caller's unit. */
export function AskSheet({
  assignmentId,
  itemId,
  onClose,
  onSent,
  onAnswered,
}: {
  assignmentId: number;
  itemId: number;
  onClose: () => void;
  onSent: (q: QuestionOut, skipped: boolean) => void;
  /** "This answers me": an answered question like it was enough; nothing was sent. */
  onAnswered?: (q: QuestionOut) => void;
}) {
  const [reason, setReason] = useState<QuestionReason | null>(null);
  const [text, setText] = useState('');
  const similar = useSimilar(assignmentId, reason, text);
  const [voice, setVoice] = useState<Voice | null>(null);
  const [hold, setHold] = useState(true);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const ready = reason !== null && !busy;
  async function send() {
    if (!reason) return;
    setBusy(true);
    setError(null);
    try {
      const body: Record<string, unknown> = {
        assignment_id: assignmentId,
        item_id: itemId,
        reason,
        while_open: hold ? 'hold' : 'skip',
      };
      if (text.trim()) body.text = text.trim();
      if (voice) body.voice = { base64: await blobBase64(voice.blob), duration_ms: voice.ms };
      const q = await api.post<QuestionOut>('/work/questions', body);
      onSent(q, !hold);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  }
  return (
    <section class="card ask-sheet" role="dialog" aria-label={t('ask_title')} data-testid="ask-sheet">
      <header class="ask-head">
        <h2>
          <Icon name="message" /> {t('ask_title')}
        </h2>
        <button type="button" class="btn btn-plain btn-icon" aria-label={t('cancel')} data-testid="ask-close" onClick={onClose}>
          <Icon name="x" />
        </button>
      </header>
      <p class="ask-why">{t('ask_why')}</p>
      <div class="ask-reasons" role="group" aria-label={t('ask_why')}>
        {REASONS.map((r) => (
          <button
            type="button"
            key={r.reason}
            class={'btn btn-secondary ask-reason' + (reason === r.reason ? ' on' : '')}
            aria-pressed={reason === r.reason}
            data-testid={'ask-reason-' + r.reason}
            onClick={() => setReason(r.reason)}
          >
            <Icon name={r.icon} size={28} />
            <span>{t(('ask_reason_' + r.reason) as Key)}</span>
          </button>
        ))}
      </div>
      {similar.length > 0 && (
        <section class="ask-similar" data-testid="ask-similar" aria-label={t('ask_similar')}>
          <h3>
            <Icon name="message" size={20} /> {t('ask_similar')}
          </h3>
          <ul class="question-list">
            {similar.map((q) => (
              <QuestionCard key={q.id} q={q}>
                <button
                  type="button"
                  class="btn btn-primary btn-big"
                  data-testid="ask-this-answers"
                  onClick={() => (onAnswered ? onAnswered(q) : onClose())}
                >
                  <Icon name="check" />
                  <span>{t('ask_this_answers')}</span>
                </button>
              </QuestionCard>
            ))}
          </ul>
          <p class="muted">{t('ask_still_ask')}</p>
        </section>
      )}
      <Recorder voice={voice} setVoice={setVoice} />
      <label class="ask-text">
        <Icon name="edit" size={18} />
        <span class="sr-only">{t('ask_text')}</span>
        <input
          type="text"
          maxLength={500}
          placeholder={t('ask_text')}
          value={text}
          data-testid="ask-text"
          onInput={(e) => setText((e.target as HTMLInputElement).value)}
        />
      </label>
      <div class="ask-hold" role="radiogroup">
        <button type="button" role="radio" aria-checked={hold} class={'btn btn-secondary' + (hold ? ' on' : '')} data-testid="ask-hold" onClick={() => setHold(true)}>
          <Icon name="pause" />
          <span>{t('ask_hold')}</span>
        </button>
        <button type="button" role="radio" aria-checked={!hold} class={'btn btn-secondary' + (!hold ? ' on' : '')} data-testid="ask-skip" onClick={() => setHold(false)}>
          <Icon name="skip" />
          <span>{t('ask_skip')}</span>
        </button>
      </div>
      {error !== null && <ErrorNote error={error} />}
      <button type="button" class="btn btn-primary btn-big" disabled={!ready} data-testid="ask-send" onClick={() => void send()}>
        <Icon name="send" />
        <span>{t('ask_send')}</span>
      </button>
    </section>
  );
}

/** Answered questions of the centre on the unit's order like the one being asked (same
 * reason; alike words first), fetched as the reason is picked and the words typed. */
function useSimilar(assignmentId: number, reason: QuestionReason | null, text: string): QuestionOut[] {
  // the list with the reason it was looked up for: another reason's is never shown
  const [list, setList] = useState<{ reason: QuestionReason | null; questions: QuestionOut[] }>({ reason: null, questions: [] });
  useEffect(() => {
    if (!reason) return;
    let alive = true;
    const words = text.trim();
    const timer = window.setTimeout(
      () => {
        const q = new URLSearchParams({ assignment_id: String(assignmentId), reason });
        if (words) q.set('text', words);
        api.get<{ questions?: QuestionOut[] }>('/work/questions/similar?' + q.toString()).then(
          (r) => alive && setList({ reason, questions: r.questions ?? [] }),
          () => alive && setList({ reason, questions: [] }),
        );
      },
      words ? 400 : 0,
    );
    return () => {
      alive = false;
      window.clearTimeout(timer);
    };
  }, [assignmentId, reason, text.trim()]);
  return reason && list.reason === reason ? list.questions : [];
}

const WHY_KEYS: Record<NonNullable<QuestionOut['why']>, Key> = {
  same_item: 'q_why_same_item',
  similar: 'q_why_similar',
  same_reason: 'q_why_same_reason',
};

/** An answer: the picture drawn on (large: it is the answer), the words, the voice. */
export function AnswerBody({ a }: { a: QuestionAnswer }) {
  return (
    <>
      {a.picture_url && (
        <a class="question-answer-picture" href={a.picture_url} target="_blank" rel="noopener">
          <img src={a.picture_url} alt={t('q_picture')} data-testid="question-answer-picture" />
        </a>
      )}
      {a.text && <p class="question-answer-text">{a.text}</p>}
      {a.voice_url && <audio controls src={a.voice_url} data-testid="question-answer-voice" aria-label={t('q_play')} />}
    </>
  );
}

/** One question with its answer; `mine`: the asker's own (a new answer is marked). */
export function QuestionCard({ q, mine, children }: { q: QuestionOut; mine?: boolean; children?: ComponentChildren }) {
  const r = REASONS.find((x) => x.reason === q.reason) ?? REASONS[4];
  return (
    <li class={'card question-card' + (mine && q.answer && !q.answer.seen_at ? ' new' : '')} data-testid="question" data-id={q.id} data-why={q.why ?? undefined}>
      {q.why && (
        <span class="badge question-why" data-testid="question-why">
          {t(WHY_KEYS[q.why])}
        </span>
      )}
      <div class="question-head">
        {q.item.thumb_url ? <img class="question-thumb" src={q.item.thumb_url} alt="" /> : q.item.text && <p class="question-item-text">{q.item.text}</p>}
        <span class="question-reason">
          <Icon name={r.icon} size={20} />
          {t(('ask_reason_' + r.reason) as Key)}
        </span>
        {q.text && <p class="question-text">{q.text}</p>}
        {q.voice_url && <audio controls src={q.voice_url} aria-label={t('q_play')} />}
      </div>
      {q.answer ? (
        <div class="question-answer" data-testid="question-answer">
          <Icon name="message" size={20} />
          <span class="question-by">{t('q_answered_by', { name: q.answer.by_name ?? '' })}</span>
          <AnswerBody a={q.answer} />
        </div>
      ) : (
        <p class="question-waiting">
          <Icon name="clock" size={18} />
          {t('q_waiting')}
        </p>
      )}
      {children}
    </li>
  );
}

/** The home screen's "my questions": answers first shown, a badge for new ones. */
export function MyQuestionsCard() {
  const [data, setData] = useState<MyQuestions | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    api.get<MyQuestions>('/me/questions').then(setData, setError);
  }, []);
  if (error) return <ErrorNote error={error} />;
  if (!data || (data.questions.length === 0 && data.on_my_items.length === 0)) return null;
  async function seen() {
    await api.post('/me/questions/seen');
    setData(await api.get<MyQuestions>('/me/questions'));
  }
  return (
    <section class="card my-questions" data-testid="my-questions" aria-label={t('q_mine')}>
      <h2>
        <Icon name="message" /> {t('q_mine')}
        {data.new_answers > 0 && (
          <span class="badge badge-new" data-testid="q-new">
            {t('q_new_answers', { n: data.new_answers })}
          </span>
        )}
      </h2>
      <ul class="question-list">
        {data.questions.map((q) => (
          <QuestionCard key={q.id} q={q} mine />
        ))}
      </ul>
      {data.new_answers > 0 && (
        <button type="button" class="btn btn-secondary" data-testid="q-seen" onClick={() => void seen()}>
          <Icon name="check" />
          <span>{t('q_seen')}</span>
        </button>
      )}
      {data.on_my_items.length > 0 && (
        <>
          <h3>{t('q_others')}</h3>
          <ul class="question-list">
            {data.on_my_items.map((q) => (
              <QuestionCard key={q.id} q={q} />
            ))}
          </ul>
        </>
      )}
    </section>
  );
}
