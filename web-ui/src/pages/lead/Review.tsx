// The review queue: the centre's doubtful items, nearest deadline first, each with every
// answer side by side, the consensus and its confidence; accept, override, send back, and a
// message to an annotator about the item.

import { useState } from 'preact/hooks';
import { api, type Items } from '../../api';
import { getLang, t, type Key } from '../../i18n';
import { shortTime } from '../../util';
import { Icon } from '../../components/Icon';
import { Button, ErrorNote, LoadState, Note, Section, useLoad, useSay } from '../../components/ui';
import {
  answerText,
  cleanAnswer,
  nothingAgreed,
  reasonKey,
  type AnswerOut,
  type AnswerValue,
  type LabelDef,
  type QueueOrder,
  type QueueOrderCount,
  type QueueOut,
  type ReviewItem,
} from '../../lead/review';
import { go } from '../client/nav';
import { ItemView } from './ItemView';
import { FeedbackForm } from './FeedbackForm';
import { TemplateOverride, TemplateReview } from './TemplateReview';
import { answerWords } from '../../kinds/template';

const PAGE = 10;

function countOf(c: QueueOrderCount): number {
  return c.escalated + c.skipped + c.gold_failure + c.client_flag;
}

export function ReviewPage({ order }: { order: number | null }) {
  const [limit, setLimit] = useState(PAGE);
  const counts = useLoad(() => api.get<Items<QueueOrderCount>>('/lead/review/orders'));
  const queue = useLoad(
    () => api.get<QueueOut>(`/lead/review?limit=${limit}` + (order ? `&order_id=${order}` : '')),
    [order, limit],
  );
  // A decided card stays where it is (the lead may still send a message about it); the
  // counts follow at once, the list when the page is looked at again.
  const reload = async () => {
    await counts.reload();
  };
  return (
    <>
      <Section icon="clipboard" title={t('review_queue')} testid="review-orders">
        <LoadState state={counts}>
          {(c) =>
            c.items.length === 0 ? (
              <Note kind="ok" testid="review-empty">
                {t('review_all_clear')}
              </Note>
            ) : (
              <nav class="tabs review-orders" aria-label={t('review_queue')}>
                <a
                  href="#/review"
                  class={'tab' + (order === null ? ' on' : '')}
                  aria-current={order === null ? 'page' : undefined}
                  onClick={(e) => {
                    e.preventDefault();
                    go('#/review');
                  }}
                >
                  <Icon name="clipboard" />
                  <span>
                    {t('all_orders_queue')} · {c.items.reduce((n, x) => n + countOf(x), 0)}
                  </span>
                </a>
                {c.items.map((x) => (
                  <a
                    key={x.order_id}
                    href={`#/review?order=${x.order_id}`}
                    class={'tab' + (order === x.order_id ? ' on' : '')}
                    aria-current={order === x.order_id ? 'page' : undefined}
                    data-testid="review-order"
                    onClick={(e) => {
                      e.preventDefault();
                      go(`#/review?order=${x.order_id}`);
                    }}
                  >
                    <span>
                      {x.order_name} · {countOf(x)}
                    </span>
                    <span class="muted">
                      {x.deadline ? t('deadline_at', { time: shortTime(x.deadline, getLang()) }) : t('no_deadline_short')}
                    </span>
                  </a>
                ))}
              </nav>
            )
          }
        </LoadState>
      </Section>
      <LoadState state={queue}>
        {(q) =>
          q.items.length === 0 ? null : (
            <>
              <ul class="review-list">
                {q.items.map((it) => {
                  const o = q.orders.find((x) => x.id === it.order_id);
                  return o ? <ReviewCard key={`${it.order_id}-${it.item_id}`} item={it} order={o} onDecided={reload} /> : null;
                })}
              </ul>
              {q.items.length === limit && (
                <Button icon="more" label={t('review_more', { n: PAGE })} onClick={() => setLimit(limit + PAGE)} />
              )}
            </>
          )
        }
      </LoadState>
    </>
  );
}

type Decision = { decision: 'accept' | 'override' | 'send_back'; answer?: AnswerValue; extra_labels?: number };

function ReviewCard({ item, order, onDecided }: { item: ReviewItem; order: QueueOrder; onDecided: () => Promise<void> }) {
  const lang = getLang();
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [done, setDone] = useSay();
  const [finalAnswer, setFinalAnswer] = useState<AnswerValue>(null);
  const [overriding, setOverriding] = useState(false);
  const [picked, setPicked] = useState<string[]>([]);
  const [feedbackFor, setFeedbackFor] = useState<AnswerOut | null>(null);
  const labels = order.labels;
  const tpl = order.task_type === 'template' && order.template ? order.template : null;
  // written answers settle by review: accept, edit, or reject (written again, not paid)
  const written = !!tpl?.questions.some((q) => q.kind === 'writing');
  // an answer in words: the template's questions, or the labels of before
  const words = (a: AnswerValue, l: typeof labels, lg: string) => (tpl ? answerWords(tpl, a, getLang()) : answerText(a, l, lg));
  const right: AnswerValue = finalAnswer ?? (item.is_gold ? item.gold : item.consensus);

  async function decide(d: Decision, key: Key) {
    setBusy(d.decision);
    setError(null);
    try {
      const r = await api.post<{ answer: AnswerValue }>(`/lead/review/${item.order_id}/items/${item.item_id}/decision`, d);
      setFinalAnswer(r?.answer ?? null);
      setOverriding(false);
      setDone(() => t(key));
      await onDecided();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(null);
    }
  }

  return (
    <li class="card review-card" data-testid="review-item" data-item={item.item_id} data-order={item.order_id}>
      <div class="review-head">
        <strong>{order.name}</strong>
        <span class="muted">
          {order.deadline ? t('deadline_at', { time: shortTime(order.deadline, lang) }) : t('no_deadline_short')}
        </span>
        <span class="review-reasons">
          {item.reasons.map((r) => (
            <span class={'badge reason reason-' + r.reason} key={r.reason + (r.label_id ?? '')} data-testid="review-reason">
              <Icon name={r.reason === 'client_flag' ? 'alert' : r.reason === 'gold_failure' ? 'star' : 'help'} size={14} />
              {t(reasonKey(r.reason))}
            </span>
          ))}
        </span>
      </div>
      {item.reasons
        .filter((r) => r.note)
        .map((r) => (
          <Note kind="info" key={'n' + r.created_at}>
            {t('client_says', { note: r.note ?? '' })}
          </Note>
        ))}
      <div class="review-body">
        {tpl ? <TemplateReview template={tpl} item={item} /> : <ItemView item={item} labels={labels} showBoxes={order.task_type === 'bbox'} />}
        <div class="review-side">
          <p class="review-consensus" data-testid="review-consensus">
            {item.is_gold ? (
              <>
                <Icon name="star" /> {t('gold_answer_is', { answer: words(item.gold, labels, lang) })}
              </>
            ) : item.consensus ? (
              <>
                <Icon name="users" /> {t('consensus_is', { answer: words(item.consensus, labels, lang) })}
                {item.confidence != null && <span class="badge">{t('confidence_is', { p: Math.round(item.confidence * 100) })}</span>}
              </>
            ) : (
              t('no_consensus')
            )}
          </p>
          <h3 class="sub-head">{t('answers_of_centre')}</h3>
          {item.answers.length === 0 ? (
            <p class="muted">{t('no_answers_here')}</p>
          ) : (
            <ul class="answer-list">
              {item.answers.map((a) => (
                <li key={a.label_id} class="answer-row" data-testid="review-answer" data-annotator={a.annotator_id}>
                  <span class="answer-who">
                    <span class="chip-dot" style={{ background: a.colour }} aria-hidden="true" />
                    <strong>{a.annotator_name}</strong>
                  </span>
                  <span class="answer-what">
                    {a.answer ? words(a.answer, labels, lang) : t('skipped_reason', { reason: a.skip_reason ? t(('skip_' + a.skip_reason) as Key) : '' })}
                  </span>
                  <span class="muted">{t('seconds_n', { n: a.seconds.toFixed(1) })}</span>
                  {a.agrees === true && (
                    <span class="badge badge-ok">
                      <Icon name="check" size={14} />
                      {t('agrees_yes')}
                    </span>
                  )}
                  {a.agrees === false && (
                    <span class="badge badge-bad">
                      <Icon name="x" size={14} />
                      {t('agrees_no')}
                    </span>
                  )}
                  {a.excluded && <span class="badge">{t('left_out')}</span>}
                  <Button
                    icon="message"
                    kind="plain"
                    class="answer-feedback"
                    label={t('feedback_text')}
                    aria-label={t('feedback_to', { name: a.annotator_name })}
                    aria-expanded={feedbackFor?.label_id === a.label_id}
                    data-testid="feedback-open"
                    onClick={() => setFeedbackFor(feedbackFor?.label_id === a.label_id ? null : a)}
                  />
                </li>
              ))}
            </ul>
          )}
          {feedbackFor && (
            <FeedbackForm
              annotatorId={feedbackFor.annotator_id}
              annotatorName={feedbackFor.annotator_name}
              item={{ order_id: item.order_id, item_id: item.item_id }}
              rightAnswer={right ? (tpl ? right : cleanAnswer(right)) : null}
              rightText={right ? words(right, labels, lang) : null}
              onSent={() => setFeedbackFor(null)}
            />
          )}
          {done ? (
            <Note kind="ok" testid="decided">
              {done()}
              {finalAnswer ? ` · ${words(finalAnswer, labels, lang)}` : ''}
            </Note>
          ) : (
            <div class="btn-row review-actions">
              {item.is_gold ? (
                <Button
                  icon="check"
                  kind="primary"
                  label={t('gold_stands')}
                  busy={busy === 'accept'}
                  data-testid="accept"
                  onClick={() => void decide({ decision: 'accept' }, 'decided_accept')}
                />
              ) : (
                <>
                  <Button
                    icon="check"
                    kind="primary"
                    label={t(written ? 'wr_accept' : 'accept')}
                    busy={busy === 'accept'}
                    disabled={!item.consensus || item.answers.every((a) => !a.answer) || nothingAgreed(item.consensus, item.answers.map((a) => a.answer))}
                    data-testid="accept"
                    onClick={() => void decide({ decision: 'accept' }, 'decided_accept')}
                  />
                  <Button
                    icon="edit"
                    label={t(written ? 'wr_edit' : 'override')}
                    aria-expanded={overriding}
                    data-testid="override"
                    onClick={() => setOverriding(!overriding)}
                  />
                  <Button
                    icon="refresh"
                    label={written ? t('wr_reject') : t('send_back_n', { n: 2 })}
                    busy={busy === 'send_back'}
                    data-testid="send-back"
                    onClick={() =>
                      void (written
                        ? decide({ decision: 'send_back', extra_labels: 1 }, 'wr_decided_reject')
                        : decide({ decision: 'send_back', extra_labels: 2 }, 'decided_send_back'))
                    }
                  />
                </>
              )}
            </div>
          )}
          {overriding && !done && tpl && (
            <TemplateOverride template={tpl} item={item} onPick={(answer) => void decide({ decision: 'override', answer: answer as AnswerValue }, 'decided_override')} />
          )}
          {overriding && !done && !tpl && (
            <Override
              taskType={order.task_type}
              labels={labels}
              item={item}
              picked={picked}
              setPicked={setPicked}
              busy={busy === 'override'}
              onPick={(answer) => void decide({ decision: 'override', answer }, 'decided_override')}
            />
          )}
          <ErrorNote error={error} />
        </div>
      </div>
    </li>
  );
}

function Override({
  taskType,
  labels,
  item,
  picked,
  setPicked,
  busy,
  onPick,
}: {
  taskType: QueueOrder['task_type'];
  labels: LabelDef[];
  item: ReviewItem;
  picked: string[];
  setPicked: (p: string[]) => void;
  busy: boolean;
  onPick: (a: AnswerValue) => void;
}) {
  const lang = getLang();
  if (taskType === 'bbox') {
    const withBoxes = item.answers.filter((a) => a.answer && Array.isArray(a.answer.boxes));
    return (
      <div class="override" role="group" aria-label={t('override_with')}>
        <span>{t('override_with')}</span>
        {withBoxes.map((a) => (
          <Button
            key={a.label_id}
            icon="box"
            label={t('use_boxes_of', { name: a.annotator_name })}
            busy={busy}
            onClick={() => onPick(cleanAnswer(a.answer))}
          />
        ))}
        {item.consensus && (
          <Button icon="users" label={t('use_consensus_boxes')} busy={busy} onClick={() => onPick(cleanAnswer(item.consensus))} />
        )}
        <Button icon="ban" label={t('no_boxes_answer')} busy={busy} onClick={() => onPick({ boxes: [] })} />
      </div>
    );
  }
  if (taskType === 'multi_label') {
    return (
      <div class="override" role="group" aria-label={t('override_with')}>
        <span>{t('override_with')}</span>
        {labels.map((l) => (
          <label class="check" key={l.key}>
            <input
              type="checkbox"
              checked={picked.includes(l.key)}
              onChange={() => setPicked(picked.includes(l.key) ? picked.filter((k) => k !== l.key) : [...picked, l.key])}
            />
            <span class="chip-dot" style={{ background: l.colour }} aria-hidden="true" />
            {lang === 'en' ? l.name_en : l.name_zh}
          </label>
        ))}
        <Button icon="check" kind="primary" label={t('override')} busy={busy} onClick={() => onPick({ labels: picked })} />
      </div>
    );
  }
  return (
    <div class="override" role="group" aria-label={t('override_with')}>
      <span>{t('override_with')}</span>
      {labels.map((l) => (
        <button
          type="button"
          key={l.key}
          class="btn btn-secondary override-label"
          disabled={busy}
          data-testid="override-label"
          data-key={l.key}
          onClick={() => onPick({ label: l.key })}
        >
          <span class="chip-dot" style={{ background: l.colour }} aria-hidden="true" />
          <span>{lang === 'en' ? l.name_en : l.name_zh}</span>
        </button>
      ))}
    </div>
  );
}

