// An item as a lead reviews it: the picture with every annotator's boxes drawn in their own
// colour (the consensus dashed, the gold answer dotted), or the text.

import { useState } from 'preact/hooks';
import { getLang, t } from '../../i18n';
import { boxesOf, labelName, type AnswerValue, type AnswerOut, type LabelDef, type ReviewItem } from '../../lead/review';

export function ItemView({ item, labels, showBoxes }: { item: ReviewItem; labels: LabelDef[]; showBoxes: boolean }) {
  const [hidden, setHidden] = useState<Set<number>>(new Set());
  if (item.kind === 'text' || !item.screen_url) {
    return (
      <blockquote class="review-text" data-testid="review-text">
        <span class="sr-only">{t('item_text_label')}</span>
        {item.text}
      </blockquote>
    );
  }
  const w = item.width ?? 0;
  const h = item.height ?? 0;
  const drawn: { key: string; colour: string; answer: AnswerValue; dash?: string; label: string }[] = [];
  if (showBoxes && w > 0 && h > 0) {
    for (const a of item.answers) {
      if (!hidden.has(a.label_id)) drawn.push({ key: 'a' + a.label_id, colour: a.colour, answer: a.answer, label: a.annotator_name });
    }
    if (!hidden.has(-1)) drawn.push({ key: 'c', colour: '#ffffff', answer: item.consensus, dash: '10 6', label: t('consensus') });
    if (item.is_gold && !hidden.has(-2)) drawn.push({ key: 'g', colour: '#2e7d32', answer: item.gold, dash: '3 4', label: t('gold') });
  }
  const stroke = Math.max(2, Math.round(Math.max(w, h) / 300));
  const toggle = (id: number) => {
    const next = new Set(hidden);
    if (next.has(id)) next.delete(id);
    else next.add(id);
    setHidden(next);
  };
  return (
    <figure class="review-figure">
      <div class="review-image">
        <img src={item.screen_url} alt={t('image_of_item')} loading="lazy" />
        {drawn.length > 0 && (
          <svg class="review-boxes" viewBox={`0 0 ${w} ${h}`} preserveAspectRatio="none" aria-hidden="true">
            {drawn.flatMap((d) =>
              boxesOf(d.answer).map((b, i) => (
                <g key={`${d.key}-${i}`}>
                  {d.dash && (
                    <rect x={b.x} y={b.y} width={b.w} height={b.h} fill="none" stroke="#000000" stroke-width={stroke + 2} opacity="0.5" />
                  )}
                  <rect
                    x={b.x}
                    y={b.y}
                    width={b.w}
                    height={b.h}
                    fill="none"
                    stroke={d.colour}
                    stroke-width={stroke}
                    stroke-dasharray={d.dash}
                  />
                  <text x={b.x + stroke} y={b.y + stroke * 8} fill={d.colour} stroke="#000000" stroke-width={stroke / 3} font-size={stroke * 7}>
                    {labelName(labels, b.label, getLang())}
                  </text>
                </g>
              )),
            )}
          </svg>
        )}
      </div>
      {showBoxes && (
        <figcaption class="box-legend">
          {item.answers.map((a: AnswerOut) => (
            <label class="check" key={a.label_id}>
              <input type="checkbox" checked={!hidden.has(a.label_id)} onChange={() => toggle(a.label_id)} />
              <span class="chip-dot" style={{ background: a.colour }} aria-hidden="true" />
              {a.annotator_name}
            </label>
          ))}
          <label class="check">
            <input type="checkbox" checked={!hidden.has(-1)} onChange={() => toggle(-1)} />
            <span class="legend-dash" aria-hidden="true" />
            {t('consensus')}
          </label>
          {item.is_gold && (
            <label class="check">
              <input type="checkbox" checked={!hidden.has(-2)} onChange={() => toggle(-2)} />
              <span class="legend-dot" aria-hidden="true" />
              {t('gold')}
            </label>
          )}
        </figcaption>
      )}
    </figure>
  );
}
