import type { EditorProps, ReviewProps } from '../index';
import { OptionButton, ReviewRows } from '../shared';
import { questionTitle } from '../types';
import { choice } from './index';

export function ChoiceEditor({ q, value, onChange, lang }: EditorProps) {
  return (
    <div class="label-grid opt-grid" role="group" aria-label={questionTitle(q, lang)}>
      {(q.options ?? []).map((o, i) => (
        <OptionButton key={o.key} q={q} index={i} lang={lang} pressed={value === o.key} onClick={() => onChange(o.key)} />
      ))}
    </div>
  );
}

export function ChoiceReview(p: ReviewProps) {
  return <ReviewRows {...p} text={(v) => choice.text(p.q, v, p.lang)} />;
}
