// Mistakes returned to learn from ("学一学"): the annotator's answers a lead's review found
// wrong, picture first, their answer struck through, the right one with its label's picture,
// the lead's note, and a speaker that reads the right answer. And "练一练": a practice unit
// the lead made of them, answered like training (right or wrong at once), never paid.

import { useEffect, useRef, useState } from 'preact/hooks';
import { api, ApiError } from '../../api';
import { getLang, t } from '../../i18n';
import { answerWords } from '../../kinds/template';
import { Icon } from '../../components/Icon';
import { Button, ErrorNote, Loading, Note } from '../../components/ui';
import { shortTime } from '../../util';
import type { Template } from '../../kinds/types';
import type { FormAnswer } from '../../kinds/types';
import type { Answer, ExampleItem, LabelDef, OrderBrief, TaskType, WorkItem } from '../../work/types';
import { answerText, labelName, labelThumb, useOptional } from './common';
import { BoxEditor, type BoxControl } from './BoxEditor';
import { FeedbackPanel } from './FeedbackPanel';
import { TemplateForm } from './TemplateForm';
import { ItemView, LabelButton } from './Workbench';
import { QuestionLine, QuestionSpeaker } from './Question';

export interface MistakeItem {
  item_id: number;
  kind: string;
  thumb_url: string | null;
  screen_url: string | null;
  text: string | null;
  width: number | null;
  height: number | null;
}

export interface MistakeOrder {
  id: number;
  name: string;
  task_type: TaskType;
  labels: LabelDef[];
  template?: Template;
  instructions: string;
  examples: ExampleItem[];
}

export interface Mistake {
  id: number;
  order_id: number;
  order_name: string;
  item: MistakeItem;
  given: Answer;
  answer: Answer;
  note: string | null;
  decided_by_name: string | null;
  decided_at: number;
  seen_at: number | null;
}

export interface MyMistakes {
  mistakes: Mistake[];
  new_count: number;
  orders: MistakeOrder[];
}

export interface PracticeQuestion {
  pos: number;
  order_id: number;
  item: MistakeItem;
  given: Answer | null;
  correct: boolean | null;
  answer: Answer | null;
}

export interface Practice {
  id: number;
  by_name: string;
  created_at: number;
  finished_at: number | null;
  total: number;
  answered: number;
  right: number;
  items: PracticeQuestion[];
  orders: MistakeOrder[];
}

/** The order as the work screen's pieces (label buttons, feedback) take it. */
export function briefOf(o: MistakeOrder): OrderBrief {
  return { ...o, instruction_examples: [], piece_rate_fen: 0 };
}

/** An answer in the order's own words. */
export function wordsOf(o: MistakeOrder | undefined, a: Answer | null): string {
  if (o?.task_type === 'template' && o.template) return answerWords(o.template, a, getLang());
  return answerText(a, o?.labels);
}

/** The label an answer of one label names, if the order has it. */
function rightLabel(o: MistakeOrder | undefined, a: Answer): LabelDef | undefined {
  return o && 'label' in a && typeof a.label === 'string' ? o.labels.find((l) => l.key === a.label) : undefined;
}

/** The home screen's way in: an icon, the words, and a badge of new ones. */
export function MistakesButton({ data, onOpen }: { data: MyMistakes | null | undefined; onOpen: () => void }) {
  if (!data || data.mistakes.length === 0) return null;
  const n = data.new_count;
  return (
    <button type="button" class="btn btn-secondary mistakes-btn" data-testid="open-mistakes" data-new={n} onClick={onOpen}>
      <Icon name="book" />
      <span>{t('mistakes_title')}</span>
      {n > 0 && (
        <span class="badge badge-new" data-testid="mistakes-new" aria-label={t('mistakes_new', { n })}>
          {n}
        </span>
      )}
    </button>
  );
}

/** One mistake: the picture (big), my answer struck through, the right one with its label's
 * picture, the lead's note, and a speaker. */
export function MistakeCard({ m, order }: { m: Mistake; order: MistakeOrder | undefined }) {
  const right = wordsOf(order, m.answer);
  const label = rightLabel(order, m.answer);
  const example = label && order ? labelThumb(briefOf(order), label) : null;
  const speech = [t('right_answer_is', { answer: right }), m.note ? `${m.decided_by_name ?? ''}：${m.note}` : '']
    .filter(Boolean)
    .join('。');
  return (
    <li class={'mistake card' + (m.seen_at ? '' : ' new')} data-testid="mistake" data-id={m.id}>
      {m.item.kind === 'text' || !(m.item.screen_url || m.item.thumb_url) ? (
        <p class="mistake-text" data-testid="mistake-text">
          {m.item.text}
        </p>
      ) : (
        <img
          class="mistake-img"
          data-testid="mistake-img"
          src={m.item.screen_url ?? m.item.thumb_url ?? ''}
          alt={t('fb_this_item')}
          loading="lazy"
        />
      )}
      <div class="mistake-answers">
        <p class="mistake-given" data-testid="mistake-given">
          <Icon name="x" size={26} />
          <span class="sr-only">{t('mistake_yours')}</span>
          <s>{wordsOf(order, m.given)}</s>
        </p>
        <p class="mistake-right" data-testid="mistake-right">
          <Icon name="check" size={26} />
          <span class="sr-only">{t('mistake_right')}</span>
          {example && <img class="label-thumb" src={example} alt={t('examples_of', { name: label ? labelName(label) : '' })} />}
          <strong>{right}</strong>
        </p>
      </div>
      {m.note && (
        <p class="mistake-note" data-testid="mistake-note">
          <Icon name="message" size={20} />
          <span>
            <strong>{m.decided_by_name ?? t('mistake_lead')}</strong>：{m.note}
          </span>
        </p>
      )}
      <div class="mistake-foot">
        <span class="muted small">
          {m.order_name} · {shortTime(m.decided_at, getLang())}
        </span>
        <QuestionSpeaker text={speech} testid="speak-mistake" />
      </div>
    </li>
  );
}

/** The list: newest first; opening it marks the new ones seen (the badge goes). */
export function MistakesPage({ onBack }: { onBack: () => void }) {
  const [data, setData] = useState<MyMistakes | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    let alive = true;
    api.get<MyMistakes>('/me/mistakes').then(
      (d) => {
        if (!alive) return;
        setData(d);
        // seen once shown; a failure only leaves the badge
        for (const m of d.mistakes) if (!m.seen_at) void api.post(`/me/mistakes/${m.id}/seen`).catch(() => {});
      },
      (e) => alive && setError(e),
    );
    return () => {
      alive = false;
    };
  }, []);
  return (
    <main class="mistakes-page" data-testid="mistakes">
      <div class="page-head">
        <Button icon="back" label={t('back')} kind="plain" onClick={onBack} data-testid="mistakes-back" />
        <h1>
          <Icon name="book" />
          <span>{t('mistakes_title')}</span>
        </h1>
      </div>
      <ErrorNote error={error} />
      {!data && !error && <Loading />}
      {data && data.mistakes.length === 0 && <Note kind="info">{t('mistakes_none')}</Note>}
      {data && data.mistakes.length > 0 && (
        <>
          <p class="muted">{t('mistakes_hint')}</p>
          <ul class="mistakes-list">
            {data.mistakes.map((m) => (
              <MistakeCard key={m.id} m={m} order={data.orders.find((o) => o.id === m.order_id)} />
            ))}
          </ul>
        </>
      )}
    </main>
  );
}

/** The home screen's card for an open practice unit: it comes before the day's work. */
export function PracticeCard({ unit, onStart }: { unit: Practice; onStart: () => void }) {
  const left = unit.total - unit.answered;
  return (
    <section class="practice-card card" data-testid="practice-card">
      <Icon name="star" size={36} />
      <div>
        <strong>{t('practice_card', { name: unit.by_name, n: left })}</strong>
        <p class="muted small">{t('practice_card_hint')}</p>
      </div>
      <Button icon="play" label={t('practice_start')} data-testid="practice-start" onClick={onStart} />
    </section>
  );
}

/** The open practice unit, if any (undefined while loading). */
export function usePractice(): [Practice | null | undefined, () => void] {
  const [data, reload] = useOptional<{ unit: Practice | null }>('/me/practice');
  return [data === undefined ? undefined : (data?.unit ?? null), reload];
}

function workItem(i: MistakeItem): WorkItem {
  return { ...i, answer: null, skip_reason: null };
}

type Step =
  | { kind: 'answering' }
  | { kind: 'sending' }
  | { kind: 'feedback'; pos: number; given: Answer; correct: boolean; answer: Answer; finished: boolean };

/** Answering a practice unit: one question at a time (with the work screen's own label
 * buttons, template form or box editor), the verdict and the right answer after each, and how
 * it went at the end. */
export function PracticePage({ onBack }: { onBack: () => void }) {
  const [unit, setUnit] = useState<Practice | null | undefined>(undefined);
  const [step, setStep] = useState<Step>({ kind: 'answering' });
  const [ticks, setTicks] = useState<string[]>([]);
  const [error, setError] = useState<unknown>(null);
  const [done, setDone] = useState<{ right: number; total: number } | null>(null);
  const boxControl = useRef<BoxControl | null>(null);
  useEffect(() => {
    api.get<{ unit: Practice | null }>('/me/practice').then((d) => setUnit(d.unit), setError);
  }, []);

  const q = unit?.items.find((i) => !i.given);
  const order = unit && q ? unit.orders.find((o) => o.id === q.order_id) : undefined;

  async function answer(a: Answer) {
    if (!unit || !q) return;
    setStep({ kind: 'sending' });
    setError(null);
    try {
      const r = await api.post<{ correct: boolean; answer: Answer; unit: Practice }>(`/me/practice/${unit.id}/answers`, {
        item_id: q.item.item_id,
        answer: a,
      });
      setStep({ kind: 'feedback', pos: q.pos, given: a, correct: r.correct, answer: r.answer, finished: !!r.unit.finished_at });
      if (r.unit.finished_at) setDone({ right: r.unit.right, total: r.unit.total });
      setUnit({ ...unit, items: unit.items.map((i) => (i.pos === q.pos ? { ...i, given: a, correct: r.correct, answer: r.answer } : i)) });
    } catch (e) {
      setStep({ kind: 'answering' });
      if (e instanceof ApiError && e.status === 409) {
        // answered elsewhere, or finished: read it again
        const d = await api.get<{ unit: Practice | null }>('/me/practice').catch(() => null);
        setUnit(d?.unit ?? null);
      } else setError(e);
    }
  }

  const head = (
    <div class="page-head">
      <Button icon="back" label={t('back')} kind="plain" onClick={onBack} data-testid="practice-back" />
      <h1>
        <Icon name="star" />
        <span>{t('practice_title')}</span>
      </h1>
      {unit && (
        <span class="badge" data-testid="practice-progress">
          {Math.min(unit.total, unit.items.filter((i) => i.given).length + (step.kind === 'feedback' ? 0 : 1))} / {unit.total}
        </span>
      )}
    </div>
  );

  if (step.kind === 'feedback') {
    const fq = unit?.items.find((i) => i.pos === step.pos);
    const fo = unit && fq ? unit.orders.find((o) => o.id === fq.order_id) : undefined;
    return (
      <main class="practice-page" data-testid="practice">
        {head}
        {fq && fo && (
          <FeedbackPanel
            order={briefOf(fo)}
            item={workItem(fq.item)}
            given={{ answer: step.given, skip: null }}
            result={{ correct: step.correct, answer: step.answer }}
            arrived
            onNext={() => {
              setTicks([]);
              setStep({ kind: 'answering' });
            }}
          />
        )}
      </main>
    );
  }
  if (done || unit === null || (unit && !q))
    return (
      <main class="practice-page" data-testid="practice">
        {head}
        <div class="panel-nothing" role="status" data-testid="practice-done">
          <Icon name="done" size={48} />
          <div>
            <strong>{done ? t('practice_done', { right: done.right, total: done.total }) : t('practice_none')}</strong>
          </div>
        </div>
        <Button icon="home" label={t('back')} onClick={onBack} />
      </main>
    );
  if (!unit || !q || !order)
    return (
      <main class="practice-page" data-testid="practice">
        {head}
        <ErrorNote error={error} />
        {!error && <Loading />}
      </main>
    );
  const brief = briefOf(order);
  const multi = order.task_type === 'multi_label';
  const item = workItem(q.item);
  let controls;
  if (order.task_type === 'template')
    controls = order.template ? (
      <TemplateForm
        key={`${unit.id}:${q.pos}`}
        template={order.template}
        item={item}
        onSubmit={(a: FormAnswer) => void answer(a as unknown as Answer)}
      />
    ) : (
      <Note kind="error">{t('q_template_missing')}</Note>
    );
  else if (order.task_type === 'bbox')
    controls = (
      <BoxEditor
        key={`${unit.id}:${q.pos}`}
        order={brief}
        item={item}
        initial={[]}
        control={boxControl}
        onDone={(boxes) => void answer({ boxes })}
        footer={null}
      />
    );
  else
    controls = (
      <>
        <ItemView key={q.item.item_id} item={item} />
        <div class="work-controls">
          <div class="label-grid" role="group" aria-label={t('labels')} data-testid="labels">
            {order.labels.map((l, i) => (
              <LabelButton
                key={l.key}
                order={brief}
                index={i}
                pressed={multi && ticks.includes(l.key)}
                onClick={() => {
                  if (step.kind === 'sending') return;
                  if (multi) setTicks((x) => (x.includes(l.key) ? x.filter((k) => k !== l.key) : [...x, l.key]));
                  else void answer({ label: l.key });
                }}
              />
            ))}
          </div>
          {multi && (
            <Button icon="check" label={t('confirm_key')} data-testid="confirm" onClick={() => void answer({ labels: ticks })} />
          )}
        </div>
      </>
    );
  return (
    <main class="practice-page" data-testid="practice">
      {head}
      <QuestionLine order={brief} />
      <ErrorNote error={error} />
      {controls}
    </main>
  );
}
