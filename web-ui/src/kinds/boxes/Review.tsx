// Every annotator's boxes on the picture in their colour (the consensus dashed, gold dotted),
// with each answer in words beside.

import type { ReviewProps } from '../index';
import { ReviewRows } from '../shared';
import { boxes as kind, type AnswerBox } from './index';
import { t } from '../../i18n';

export function BoxesReview(p: ReviewProps) {
  const f = p.field;
  const W = f?.width ?? 0;
  const H = f?.height ?? 0;
  const list = (v: unknown): AnswerBox[] => (Array.isArray(v) ? (v as AnswerBox[]) : []);
  const picture =
    f?.screen_url && W > 0 && H > 0 ? (
      <div class="q-review-pic">
        <img src={f.screen_url} alt={t('image_of_item')} width={W} height={H} />
        <svg viewBox={`0 0 ${W} ${H}`} aria-hidden="true" preserveAspectRatio="none">
          {p.answers.map((a, i) =>
            list(a.value).map((b, j) => (
              <rect key={`${i}-${j}`} x={b.x} y={b.y} width={b.w} height={b.h} fill="none" stroke={a.colour} stroke-width={Math.max(2, W / 250)} />
            )),
          )}
          {list(p.consensus).map((b, j) => (
            <rect key={'c' + j} x={b.x} y={b.y} width={b.w} height={b.h} fill="none" stroke="#222" stroke-dasharray="8 5" stroke-width={Math.max(2, W / 250)} />
          ))}
          {list(p.gold).map((b, j) => (
            <rect key={'g' + j} x={b.x} y={b.y} width={b.w} height={b.h} fill="none" stroke="#f9a825" stroke-dasharray="2 4" stroke-width={Math.max(2, W / 200)} />
          ))}
        </svg>
      </div>
    ) : null;
  const text = (v: unknown) => {
    const words = kind.text(p.q, v, p.lang);
    const withAttrs = list(v).filter((b) => b.attributes && Object.keys(b.attributes).length);
    return withAttrs.length
      ? `${words} (${withAttrs.map((b) => Object.entries(b.attributes!).map(([k, x]) => `${k}=${x}`).join(',')).join('; ')})`
      : words;
  };
  return <ReviewRows {...p} text={text} extra={picture} />;
}
