// The writing editor: a big text box (starting from the original when rewriting, with "back
// to original"), a live character count, a Markdown preview (the safe renderer of llm/) and
// the changes against the text it started from. The review view: each written answer as
// Markdown, or as its changes against the original, with its flags.

import { useEffect, useRef, useState } from 'preact/hooks';
import type { EditorProps, ReviewProps } from '../index';
import { t, type Key } from '../../i18n';
import { Icon } from '../../components/Icon';
import { Markdown } from '../../llm/Markdown';
import { questionTitle, type ItemField, type Question } from '../types';
import { count, limits } from './index';
import type * as DiffModule from './diff';
import './writing.css';

type View = 'write' | 'preview' | 'changes';

/** The original a rewrite starts from, when the question names one and the item has it. */
export function originalOf(q: Question, fields?: ItemField[]): string | null {
  const name = q.settings?.rewrite;
  if (!name) return null;
  const f = fields?.find((x) => x.name === name);
  return typeof f?.text === 'string' ? f.text : null;
}

// jsdiff is loaded on first use: only a rewrite or a review draws changes.
let diff: typeof DiffModule | null = null;

/** The changes from `before` to `after`: removed words struck through, added ones marked. */
export function Changes({ before, after, testid = 'wr-diff' }: { before: string; after: string; testid?: string }) {
  const [m, setM] = useState(() => diff);
  useEffect(() => {
    if (m) return;
    let alive = true;
    import('./diff').then(
      (x) => {
        diff = x;
        if (alive) setM(() => x);
      },
      () => {},
    );
    return () => {
      alive = false;
    };
  }, [m]);
  if (!m)
    return (
      <p class="muted wr-diff" data-testid={testid}>
        {after}
      </p>
    );
  const parts = m.textDiff(before, after);
  if (parts.every((p) => !p.added && !p.removed))
    return (
      <p class="muted wr-diff" data-testid={testid} data-diff="ready">
        {t('wr_no_change')}
      </p>
    );
  return (
    <p class="wr-diff" data-testid={testid} data-diff="ready">
      {parts.map((p, i) =>
        p.added ? (
          <ins key={i}>{p.value}</ins>
        ) : p.removed ? (
          <del key={i}>{p.value}</del>
        ) : (
          <span key={i}>{p.value}</span>
        ),
      )}
    </p>
  );
}

export function WritingEditor({ q, value, onChange, lang, id, problem, fields }: EditorProps) {
  const original = originalOf(q, fields);
  const v = typeof value === 'string' ? value : '';
  // The text it started from: the original of a rewrite, else what it held when opened (the
  // written answer a lead edits).
  const start = useRef<string | null>(original ?? (typeof value === 'string' && value ? value : null));
  const [view, setView] = useState<View>('write');
  useEffect(() => {
    if (value === undefined && original) onChange(original);
    // only when first shown (or the item changes)
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [original]);
  const { min, max } = limits(q);
  const n = count(v);
  const views: [View, Key, 'pen' | 'book' | 'swap'][] = [
    ['write', 'wr_write', 'pen'],
    ['preview', 'wr_preview', 'book'],
  ];
  if (start.current !== null) views.push(['changes', 'wr_changes', 'swap']);
  return (
    <div class="wr-editor" data-testid="writing-editor">
      <div class="wr-bar">
        <div class="wr-tabs" role="tablist" aria-label={questionTitle(q, lang)}>
          {views.map(([k, label, icon]) => (
            <button
              key={k}
              type="button"
              role="tab"
              class={'btn btn-plain wr-tab' + (view === k ? ' on' : '')}
              aria-selected={view === k}
              data-testid={'wr-' + k}
              onClick={() => setView(k)}
            >
              <Icon name={icon} size={18} />
              {t(label, undefined, lang)}
            </button>
          ))}
        </div>
        {start.current !== null && v !== start.current && (
          <button type="button" class="btn btn-plain wr-tab" data-testid="wr-restore" onClick={() => onChange(start.current ?? undefined)}>
            <Icon name="undo" size={18} />
            {t('wr_restore', undefined, lang)}
          </button>
        )}
      </div>
      {view === 'write' && (
        <textarea
          id={id}
          class={'wr-text' + (problem ? ' invalid' : '')}
          rows={12}
          aria-label={questionTitle(q, lang)}
          aria-invalid={problem ? 'true' : undefined}
          aria-describedby={id + '-count'}
          data-testid="writing-input"
          data-question={q.key}
          value={v}
          onInput={(e) => onChange(e.currentTarget.value === '' ? undefined : e.currentTarget.value)}
        />
      )}
      {view === 'preview' && (
        <div class="wr-preview" data-testid="wr-preview-body">
          <Markdown text={v} testid="wr-md" />
        </div>
      )}
      {view === 'changes' && start.current !== null && <Changes before={start.current} after={v} />}
      <p id={id + '-count'} class={'text-count' + (n > max || (n > 0 && n < min) ? ' over' : '')} data-testid="writing-count" aria-live="polite">
        {t('wr_chars', { n, min, max }, lang)}
      </p>
    </div>
  );
}

const FLAG_WORDS: Record<string, Key> = {
  copied_prompt: 'wr_flag_copied_prompt',
  unchanged: 'wr_flag_unchanged',
  same_as_other: 'wr_flag_same_as_other',
};

/** A written answer's flags: an icon and a few words each. */
export function Flags({ flags }: { flags?: string[] }) {
  if (!flags?.length) return null;
  return (
    <span class="wr-flags">
      {flags.map((f) => (
        <span key={f} class="badge badge-bad wr-flag" data-testid="wr-flag" data-flag={f}>
          <Icon name="alert" size={14} />
          {t(FLAG_WORDS[f] ?? ('wr_flag_' + f as Key))}
        </span>
      ))}
    </span>
  );
}

export function WritingReview({ q, answers, consensus, lang, fields }: ReviewProps) {
  const original = originalOf(q, fields);
  return (
    <div class="wr-review" data-testid="writing-review">
      {answers.map((a, i) => {
        const text = typeof a.value === 'string' ? a.value : null;
        return (
          <div class="wr-answer" key={i} data-testid="wr-answer" style={{ '--c': a.colour }}>
            <p class="answer-who">
              <span class="chip-dot" style={{ background: a.colour }} aria-hidden="true" />
              <strong>{a.who}</strong>
              <Flags flags={a.flags} />
            </p>
            {text === null ? (
              <p class="muted">{t('q_not_answered', undefined, lang)}</p>
            ) : original !== null ? (
              <Changes before={original} after={text} />
            ) : (
              <Markdown text={text} testid="wr-answer-md" />
            )}
          </div>
        );
      })}
      {typeof consensus === 'string' && answers.length > 1 && (
        <p class="muted">
          <Icon name="users" size={14} /> {t('consensus_is', { answer: consensus.slice(0, 60) }, lang)}
        </p>
      )}
    </div>
  );
}
