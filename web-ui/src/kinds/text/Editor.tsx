import type { EditorProps, ReviewProps } from '../index';
import { ReviewRows } from '../shared';
import { questionTitle } from '../types';
import { charCount, text as kind, textLimit } from './index';
import { t } from '../../i18n';

/** A text box with a counter; past the limit the counter turns red and says so. */
export function TextEditor({ q, value, onChange, lang, id, problem }: EditorProps) {
  const v = typeof value === 'string' ? value : '';
  const max = textLimit(q);
  const n = charCount(v);
  const long = max > 40;
  const common = {
    id,
    class: 'text-answer' + (problem ? ' invalid' : ''),
    'aria-label': questionTitle(q, lang),
    'aria-invalid': problem ? ('true' as const) : undefined,
    'aria-describedby': id + '-count',
    'data-testid': 'text-input',
    'data-question': q.key,
    value: v,
    onInput: (e: { currentTarget: { value: string } }) => onChange(e.currentTarget.value === '' ? undefined : e.currentTarget.value),
  };
  return (
    <div class="text-editor">
      {long ? <textarea rows={3} {...common} /> : <input type="text" autoComplete="off" {...common} />}
      <p id={id + '-count'} class={'text-count' + (n > max ? ' over' : '')} data-testid="text-count" aria-live="polite">
        {t('q_chars', { n, max }, lang)}
      </p>
    </div>
  );
}

export function TextReview(p: ReviewProps) {
  return <ReviewRows {...p} text={(v) => kind.text(p.q, v, p.lang)} />;
}
