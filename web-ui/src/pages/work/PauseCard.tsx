// A pause, explained: a picture, why (a lead's pause, or a rule's with its figures), what to
// do, who lifts it, and what it cost (the answers just before a rule's pause are not paid,
// which is why the earnings in the work bar went down). Read from `/me/pauses`; asked again a
// few seconds later, as the stretch before the pause is left out a moment after it.

import { useEffect, useState } from 'preact/hooks';
import { api } from '../../api';
import { getLang, t, type Key } from '../../i18n';
import { Icon, type IconName } from '../../components/Icon';
import { yuan } from '../../util';
import type { Pause, Pauses } from '../../work/types';
import { QuestionSpeaker } from './Question';

const RULE_ICON: Record<string, IconName> = {
  too_fast: 'clock',
  gold_accuracy: 'star',
  spam: 'alert',
};

/** The pauses, fetched now, then every few seconds for a minute while a rule's live pause
 * has not been costed yet (its stretch is left out a moment after it); null until known or
 * when the server cannot tell. `poll: false` fetches once. */
export function usePauses(poll = true): Pauses | null {
  const [data, setData] = useState<Pauses | null>(null);
  useEffect(() => {
    let alive = true;
    let tries = 0;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const get = () =>
      api.get<Pauses>('/me/pauses').then(
        (d) => {
          if (!alive) return;
          setData(d);
          const waiting = d.pauses.some((p) => p.lifted_at === null && p.by === 'rule' && p.unpaid_labels === 0);
          if (poll && waiting && ++tries < 20) timer = setTimeout(() => void get(), 3000);
        },
        () => {},
      );
    void get();
    return () => {
      alive = false;
      clearTimeout(timer);
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);
  return data;
}

const num = (v: unknown, digits = 1) => (typeof v === 'number' && Number.isFinite(v) ? String(Number(v.toFixed(digits))) : '?');

/** The words of one pause: title, why, what to do, who lifts it, what it cost. */
export function pauseWords(p: Pause, leads: string[]): { icon: IconName; title: string; lines: string[] } {
  const lines: string[] = [];
  const rule = p.by === 'rule';
  const f = p.figures ?? {};
  let title: string;
  let icon: IconName = 'pause';
  if (!rule) {
    title = t('pause_lead_title');
    if (p.note?.trim()) lines.push(t('pause_lead_note', { note: p.note.trim() }));
    lines.push(t('pause_lead_do'));
  } else {
    icon = RULE_ICON[p.reason] ?? 'pause';
    const known = p.reason in RULE_ICON;
    title = t((known ? `pause_${p.reason}_title` : 'pause_rule_title') as Key);
    if (p.reason === 'too_fast')
      lines.push(t('pause_too_fast_why', { n: num(f.labels, 0), s: num(f.median_seconds), min: num(f.threshold_seconds) }));
    else if (p.reason === 'gold_accuracy')
      lines.push(t('pause_gold_accuracy_why', { right: num(f.gold_correct, 0), total: num(f.gold_total, 0), pct: num((f.threshold ?? 0) * 100, 0) }));
    else if (p.reason === 'spam')
      lines.push(t('pause_spam_why', { right: num(f.agreed, 0), total: num(f.judged, 0), pct: num((f.threshold ?? 0) * 100, 0) }));
    if (known) lines.push(t(`pause_${p.reason}_do` as Key));
    lines.push(t('pause_rule_by'));
  }
  lines.push(leads.length ? t('pause_who', { names: leads.join('、') }) : t('pause_who_any'));
  lines.push(p.order_id !== null ? t('pause_scope_order', { order: p.order_name ?? '' }) : t('pause_scope_all'));
  if (p.unpaid_labels > 0) lines.push(t('pause_cost', { n: p.unpaid_labels, yuan: yuan(p.unpaid_fen) }));
  else if (rule) lines.push(t('pause_cost_soon'));
  return { icon, title, lines };
}

/** The live pause that matters here: the one on `orderId`, else one of all work, else the
 * newest. */
export function pauseFor(all: Pause[], orderId?: number): Pause | null {
  const ps = all.filter((p) => p.lifted_at === null);
  return ps.find((p) => p.order_id === orderId) ?? ps.find((p) => p.order_id === null) ?? ps[0] ?? null;
}

export function PauseCard({ pause, leads, extra }: { pause: Pause; leads: string[]; extra?: string }) {
  const w = pauseWords(pause, leads);
  const lines = extra ? [...w.lines, extra] : w.lines;
  return (
    <section
      class={'pause-card pause-' + pause.by}
      role="status"
      data-testid="pause-card"
      data-reason={pause.reason}
      data-by={pause.by}
      lang={getLang()}
    >
      <div class="pause-pic" aria-hidden="true">
        <Icon name="pause" size={44} />
        {w.icon !== 'pause' && (
          <span class="pause-pic-why">
            <Icon name={w.icon} size={30} />
          </span>
        )}
      </div>
      <div class="pause-body">
        <h2 class="pause-title" data-testid="pause-title">
          {w.title}
        </h2>
        <ul class="pause-lines">
          {lines.map((l, i) => (
            <li key={i} data-testid="pause-line">
              {l}
            </li>
          ))}
        </ul>
      </div>
      <QuestionSpeaker text={[w.title, ...lines].join('。')} testid="pause-speak" />
    </section>
  );
}
