import { useEffect, useRef, useState } from 'preact/hooks';
import type { EditorProps, ReviewProps } from '../index';
import { ReviewRows } from '../shared';
import { questionTitle } from '../types';
import { groupsOf, moveTo, rankText, ranked, rankingKey, tap } from './index';
import { Icon } from '../../components/Icon';
import { t } from '../../i18n';
import './ranking.css';

/** One card per response: a tap gives it the next place (its number shows on the card), a
 * second tap takes it back; "same as last" ties the next tap with the last place. On a
 * laptop the cards also drag to reorder, and keys 1–N pick response N, U takes back the last
 * place (both given to the current question by the template form: `rankingKey`), = ties. */
export function RankingEditor({ q, value, onChange, fields, lang, id }: EditorProps) {
  const names = ranked(q);
  const groups = groupsOf(value);
  const [same, setSame] = useState(false);
  const [dragging, setDragging] = useState<string | null>(null);
  const ties = q.settings?.ties === true;
  const place = (f: string) => groups.findIndex((g) => g.includes(f));
  // the answer as last changed (keys may come faster than renders)
  const latest = useRef(value);
  latest.current = value;
  const change = (v: unknown) => {
    latest.current = v;
    onChange(v);
  };
  const pick = (f: string) => {
    change(tap(latest.current, f, same && ties));
    setSame(false);
  };
  // takes the last place back, as the U key does
  const undo = () => {
    const v = rankingKey(q, latest.current, 'u');
    if (v !== undefined) change(v ?? undefined);
  };
  const live = useRef({ ties });
  live.current = { ties };
  // Digits and U reach the current question through the template form (`rankingKey`);
  // = (tie the next pick with the last place) is this editor's own, while ties are allowed.
  useEffect(() => {
    if (!ties) return;
    const f = (ev: KeyboardEvent) => {
      const tag = (ev.target as HTMLElement | null)?.tagName;
      if (ev.defaultPrevented || tag === 'INPUT' || tag === 'TEXTAREA' || tag === 'SELECT') return;
      if (ev.ctrlKey || ev.metaKey || ev.altKey || document.querySelector('[role="dialog"]')) return;
      if (ev.key === '=' && live.current.ties) {
        ev.preventDefault();
        setSame((s) => !s);
      }
    };
    window.addEventListener('keydown', f);
    return () => window.removeEventListener('keydown', f);
  }, [ties]);
  // ranked cards first, in their places; the rest after, in the template's order
  const shown = [...groups.flat(), ...names.filter((f) => place(f) < 0)];
  return (
    <div class="rank" data-testid="rank" data-question={q.key}>
      <p class="rank-hint" id={id + '-hint'}>
        {t('rank_hint', { n: names.length })}
      </p>
      <ol class="rank-cards" aria-label={questionTitle(q, lang)} aria-describedby={id + '-hint'}>
        {shown.map((f) => {
          const i = names.indexOf(f);
          const p = place(f);
          const data = fields?.find((x) => x.name === f);
          const excerpt = (data?.text ?? '').replace(/[*_#`>|]+/g, '').replace(/\s+/g, ' ').trim().slice(0, 90);
          return (
            <li key={f}>
              <button
                type="button"
                class={'rank-card' + (p >= 0 ? ' on' : '') + (dragging === f ? ' dragging' : '')}
                data-testid="rank-card"
                data-field={f}
                data-rank={p >= 0 ? p + 1 : ''}
                aria-pressed={p >= 0}
                aria-keyshortcuts={String(i + 1)}
                draggable
                onClick={() => pick(f)}
                onDragStart={(ev) => {
                  setDragging(f);
                  ev.dataTransfer?.setData('text/plain', f);
                }}
                onDragEnd={() => setDragging(null)}
                onDragOver={(ev) => ev.preventDefault()}
                onDrop={(ev) => {
                  ev.preventDefault();
                  const from = ev.dataTransfer?.getData('text/plain') || dragging;
                  setDragging(null);
                  if (from && from !== f) change(moveTo(q, latest.current, from, f));
                }}
              >
                <span class="rank-place" aria-hidden={p < 0}>
                  {p >= 0 ? p + 1 : ''}
                </span>
                <span class="rank-body">
                  <strong>
                    {t('rank_response', { i: i + 1 })}
                    {data?.model ? <span class="rank-model"> · {data.model}</span> : null}
                  </strong>
                  {excerpt && <span class="rank-excerpt">{excerpt}</span>}
                </span>
                <kbd class="label-key" aria-hidden="true">
                  {i + 1}
                </kbd>
                <span class="sr-only">{p >= 0 ? t('rank_is', { p: p + 1 }) : t('rank_none')}</span>
                <Icon name="swap" size={20} />
              </button>
            </li>
          );
        })}
      </ol>
      <div class="rank-tools">
        {ties && (
          <button
            type="button"
            class={'btn rank-same' + (same ? ' on' : '')}
            aria-pressed={same}
            aria-keyshortcuts="="
            data-testid="rank-same"
            disabled={!groups.length}
            onClick={() => setSame((s) => !s)}
          >
            <Icon name="hash" size={20} /> {t('rank_same')}
          </button>
        )}
        <button type="button" class="btn" data-testid="rank-undo" aria-keyshortcuts="U" onClick={undo}>
          <Icon name="undo" size={20} /> {t('rank_undo')}
        </button>
        <button type="button" class="btn" data-testid="rank-clear" disabled={!groups.length} onClick={() => change(undefined)}>
          <Icon name="refresh" size={20} /> {t('rank_clear')}
        </button>
      </div>
    </div>
  );
}

export function RankingReview(p: ReviewProps) {
  return <ReviewRows {...p} text={(v) => rankText(v)} />;
}
