// Training: after each answer, right or not, and the right answer shown with its picture
// (the item with the right boxes, or the right label's example).

import { useEffect, useRef } from 'preact/hooks';
import { getLang, t } from '../../i18n';
import { answerWords } from '../../kinds/template';
import { Icon } from '../../components/Icon';
import type { Given } from '../../work/unit';
import type { Box, Feedback, OrderBrief, WorkItem } from '../../work/types';
import { answerText, labelName, labelThumb } from './common';
import { warnSound } from '../../work/sound';

export function FeedbackPanel({
  order,
  item,
  given,
  result,
  arrived,
  onNext,
}: {
  order: OrderBrief;
  item: WorkItem;
  given: Given;
  result: Feedback | null;
  /** The server has replied (with a verdict in `result`, or none). */
  arrived: boolean;
  onNext: () => void;
}) {
  const nextRef = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    if (arrived) nextRef.current?.focus();
  }, [arrived]);
  // the model was wrong and was taken as it was: said at once, with a sound
  const blind = !!result?.accepted_wrong_suggestion;
  useEffect(() => {
    if (blind) warnSound();
  }, [blind]);
  if (!result)
    return (
      <div class="feedback" data-testid="feedback" data-state={arrived ? 'none' : 'waiting'}>
        <p class={arrived ? 'feedback-head' : 'loading'} role="status">
          {arrived ? t('fb_unknown') : t('fb_waiting')}
        </p>
        <button type="button" class={arrived ? 'btn btn-primary btn-next' : 'btn btn-plain'} ref={nextRef} data-testid="feedback-next" onClick={onNext}>
          <span>{t('next_item')}</span>
          <Icon name="forward" />
        </button>
      </div>
    );
  const right = result.correct;
  // A template order's answers in its own words (every question); the others by label.
  const tpl = order.task_type === 'template' ? order.template : undefined;
  const words = (a: Feedback['answer']) =>
    tpl ? answerWords(tpl, a, getLang()) : answerText(a, order.labels);
  const rightKey = !tpl && 'label' in result.answer ? result.answer.label : null;
  const rightLabel = rightKey ? order.labels.find((l) => l.key === rightKey) : undefined;
  const example = rightLabel ? labelThumb(order, rightLabel) : null;
  const rightBoxes = !tpl && 'boxes' in result.answer ? result.answer.boxes : null;
  return (
    <div class={'feedback ' + (right ? 'feedback-right' : 'feedback-wrong')} data-testid="feedback" data-state={right ? 'right' : 'wrong'}>
      <p class="feedback-head" role="status">
        <Icon name={right ? 'check' : 'x'} size={40} />
        <strong>{right ? t('fb_right') : t('fb_wrong')}</strong>
      </p>
      {blind && (
        <p class="feedback-model" role="alert" data-testid="feedback-model-wrong">
          <Icon name="bot" size={28} />
          <Icon name="alert" size={28} />
          <span>{t('sug_wrong_accepted')}</span>
        </p>
      )}
      <p class="feedback-answers">
        <span>{t('fb_you_chose', { answer: given.answer ? words(given.answer) : t('fb_no_answer') })}</span>
        <span class="feedback-correct">
          <Icon name="check" size={20} />
          {t('fb_correct_is', { answer: words(result.answer) })}
        </span>
      </p>
      <div class="feedback-pics">
        <figure>
          {item.kind === 'text' ? (
            <p class="work-text small">{item.text}</p>
          ) : (
            <ItemWithBoxes item={item} boxes={rightBoxes} order={order} />
          )}
          <figcaption>{rightBoxes ? t('fb_right_boxes') : t('fb_this_item')}</figcaption>
        </figure>
        {example && rightLabel && (
          <figure>
            <img src={example} alt={t('examples_of', { name: labelName(rightLabel) })} />
            <figcaption>
              {t('fb_example')}：{labelName(rightLabel)}
            </figcaption>
          </figure>
        )}
      </div>
      <button type="button" class="btn btn-primary btn-next" ref={nextRef} data-testid="feedback-next" aria-keyshortcuts="Enter" onClick={onNext}>
        <span>{t('next_item')}</span>
        <Icon name="forward" />
      </button>
    </div>
  );
}

function ItemWithBoxes({ item, boxes, order }: { item: WorkItem; boxes: Box[] | null; order: OrderBrief }) {
  const W = item.width ?? 0;
  const H = item.height ?? 0;
  return (
    <div class="fb-item">
      <img src={item.screen_url ?? item.thumb_url ?? ''} alt={t('fb_this_item')} />
      {boxes && W > 0 && H > 0 && (
        <svg viewBox={`0 0 ${W} ${H}`} aria-hidden="true" preserveAspectRatio="none">
          {boxes.map((b, i) => (
            <rect
              key={i}
              x={b.x}
              y={b.y}
              width={b.w}
              height={b.h}
              fill="none"
              stroke={order.labels.find((l) => l.key === b.label)?.colour ?? '#1e88e5'}
              stroke-width={Math.max(W, H) / 150}
            />
          ))}
        </svg>
      )}
    </div>
  );
}
