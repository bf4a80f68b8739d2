import type { EditorProps, ReviewProps } from '../index';
import { OptionButton, ReviewRows } from '../shared';
import { questionTitle } from '../types';
import { multiChoice } from './index';
import { t } from '../../i18n';
import { Icon } from '../../components/Icon';

export function MultiEditor({ q, value, onChange, lang }: EditorProps) {
  const chosen = Array.isArray(value) ? (value as string[]) : [];
  return (
    <div class="label-grid opt-grid" role="group" aria-label={questionTitle(q, lang)}>
      {(q.options ?? []).map((o, i) => (
        <OptionButton
          key={o.key}
          q={q}
          index={i}
          lang={lang}
          multi
          pressed={chosen.includes(o.key)}
          onClick={() => onChange(multiChoice.pick!(q, value, o.key))}
        />
      ))}
      {value === undefined && (
        <button type="button" class="btn btn-plain opt-none" data-testid="opt-none" data-question={q.key} onClick={() => onChange([])}>
          <Icon name="ban" />
          <span>{t('q_none_of_these', {}, lang)}</span>
        </button>
      )}
    </div>
  );
}

export function MultiReview(p: ReviewProps) {
  return <ReviewRows {...p} text={(v) => multiChoice.text(p.q, v, p.lang)} />;
}
