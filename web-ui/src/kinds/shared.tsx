// Pieces the kinds share: a big option button (colour, icon, hotkey, name), an option's icon,
// and the review rows (each annotator's answer in their colour, the consensus and gold beside).

import type { ComponentChildren } from 'preact';
import { t, type Lang } from '../i18n';
import { Icon, ICON_NAMES, type IconName } from '../components/Icon';
import type { ReviewProps } from './index';
import { optionName, type OptionDef, type Question } from './types';

const PALETTE = ['#1e88e5', '#e53935', '#43a047', '#fb8c00', '#8e24aa', '#00897b', '#6d4c41', '#3949ab', '#c0ca33', '#d81b60'];

export function optionColour(q: Question, i: number): string {
  return q.options?.[i]?.colour || PALETTE[i % PALETTE.length];
}

/** An emoji, or one of the UI's icons by name. */
export function OptionIcon({ icon, size }: { icon?: string | null; size?: number }) {
  if (!icon) return null;
  if ((ICON_NAMES as string[]).includes(icon)) return <Icon name={icon as IconName} size={size ?? 24} />;
  return (
    <span class="opt-emoji" aria-hidden="true">
      {icon}
    </span>
  );
}

export function OptionButton({
  q,
  index,
  pressed,
  onClick,
  lang,
  hotkey,
  children,
  multi,
}: {
  q: Question;
  index: number;
  pressed: boolean;
  onClick: () => void;
  lang: Lang;
  hotkey?: string | null;
  children?: ComponentChildren;
  multi?: boolean;
}) {
  const o = q.options![index];
  const key = hotkey ?? o.hotkey ?? null;
  return (
    <button
      type="button"
      class={'label-btn opt-btn' + (pressed ? ' on' : '')}
      style={{ '--c': optionColour(q, index) }}
      role={multi ? 'checkbox' : undefined}
      aria-checked={multi ? pressed : undefined}
      aria-pressed={multi ? undefined : pressed}
      aria-keyshortcuts={key ?? undefined}
      data-testid="opt-btn"
      data-question={q.key}
      data-key={o.key}
      onClick={onClick}
    >
      {key && (
        <kbd class="label-key" aria-hidden="true">
          {key.toUpperCase()}
        </kbd>
      )}
      {o.icon ? <OptionIcon icon={o.icon} size={28} /> : <span class="label-mark" aria-hidden="true" />}
      <span class="label-name">{optionName(o, lang)}</span>
      {children}
      {pressed && <Icon name="check" size={22} />}
      {key && <span class="sr-only">{t('hotkey_is', { key })}</span>}
    </button>
  );
}

/** The title and option names, joined as the server's `read_aloud` default does. */
export function titleAndOptions(q: Question, lang: Lang): string {
  const title = lang === 'en' ? q.title_en || q.title_zh : q.title_zh;
  const opts = (q.options ?? []).map((o: OptionDef) => optionName(o, lang));
  return opts.length ? `${title}：${opts.join('，')}` : title;
}

/** Every annotator's answer to one question, in their colour, with the consensus and gold. */
export function ReviewRows({
  q,
  answers,
  consensus,
  gold,
  text,
  extra,
}: ReviewProps & { text: (v: unknown) => string; extra?: ComponentChildren }) {
  const has = (v: unknown) => v !== undefined && v !== null;
  return (
    <div class="q-review" data-testid="q-review" data-question={q.key}>
      {extra}
      <ul class="answer-list">
        {answers.map((a, i) => (
          <li key={i} class="answer-row" data-testid="q-review-answer">
            <span class="answer-who">
              <span class="chip-dot" style={{ background: a.colour }} aria-hidden="true" />
              <strong>{a.who}</strong>
            </span>
            <span class="answer-what">{has(a.value) ? text(a.value) : t('q_not_answered')}</span>
          </li>
        ))}
      </ul>
      {(has(consensus) || has(gold)) && (
        <p class="q-review-agreed">
          {has(consensus) && (
            <span data-testid="q-review-consensus">
              <Icon name="users" size={18} /> {t('consensus_is', { answer: text(consensus) })}
            </span>
          )}
          {has(gold) && (
            <span data-testid="q-review-gold">
              <Icon name="star" size={18} /> {t('gold_answer_is', { answer: text(gold) })}
            </span>
          )}
        </p>
      )}
    </div>
  );
}
