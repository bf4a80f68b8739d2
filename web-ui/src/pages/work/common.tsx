// Small pieces shared by the annotator's home and work screens.

import { useEffect, useState } from 'preact/hooks';
import { api, ApiError } from '../../api';
import { getLang, t } from '../../i18n';
import { Icon } from '../../components/Icon';
import { outbox, type Snapshot } from '../../work/outbox';
import { speak, stopSpeaking, useCanSpeak } from '../../work/speech';
import type { Answer, LabelDef, OrderBrief } from '../../work/types';

/** The label's name in the current language. */
export function labelName(l: LabelDef): string {
  return getLang() === 'en' ? l.name_en : l.name_zh;
}

/** The thumbnail of a label's first example picture, if the order gave one. */
export function labelThumb(order: OrderBrief, l: LabelDef): string | null {
  for (const id of l.examples) {
    const e = order.examples?.find((x) => x.item_id === id);
    if (e?.thumb_url) return e.thumb_url;
  }
  return null;
}

const KNOWN_LABELS = 'mudou.labels';

/** Remembers an order's label names on this device, so a message about one of its items can
 * name the right answer in words (a message carries only the label's key). */
export function rememberLabels(labels: LabelDef[]): void {
  try {
    const known: Record<string, LabelDef> = JSON.parse(localStorage.getItem(KNOWN_LABELS) ?? '{}');
    for (const l of labels) known[l.key] = { ...l, examples: [] };
    const keys = Object.keys(known);
    // a few hundred at most
    for (const k of keys.slice(0, Math.max(0, keys.length - 300))) delete known[k];
    localStorage.setItem(KNOWN_LABELS, JSON.stringify(known));
  } catch {
    // storage full or blocked: the keys are shown instead
  }
}

/** The label names this device has seen. */
export function knownLabels(): LabelDef[] {
  try {
    return Object.values(JSON.parse(localStorage.getItem(KNOWN_LABELS) ?? '{}') as Record<string, LabelDef>);
  } catch {
    return [];
  }
}

/** An answer in words: label names (the keys when the order is not known), or a box count. */
export function answerText(a: Answer | null | undefined, labels?: LabelDef[]): string {
  if (!a) return t('fb_no_answer');
  const name = (k: string) => {
    const l = labels?.find((x) => x.key === k);
    return l ? labelName(l) : k;
  };
  if (!('label' in a) && !('labels' in a) && !('boxes' in a)) {
    // a template's answer: each question's answer, shortly
    return Object.entries(a as Record<string, unknown>)
      .map(([k, v]) => `${k}: ${Array.isArray(v) ? (v.every((x) => typeof x === 'string') ? v.join('、') : v.length) : String(v)}`)
      .join(' · ') || t('fb_no_answer');
  }
  if ('label' in a) return name(a.label);
  if ('labels' in a) return a.labels.length ? a.labels.map(name).join('、') : t('fb_no_answer');
  const counts = new Map<string, number>();
  for (const b of a.boxes) counts.set(b.label, (counts.get(b.label) ?? 0) + 1);
  return a.boxes.length
    ? [...counts].map(([k, n]) => `${name(k)} × ${n}`).join('、')
    : t('fb_no_answer');
}

/** The outbox's counts, kept up to date. */
export function useOutbox(): Snapshot {
  const [s, set] = useState<Snapshot>(() => outbox().snapshot());
  useEffect(() => outbox().subscribe(set), []);
  return s;
}

/** "待上传 N" while answers wait; nothing when all are sent. */
export function PendingBadge({ snap }: { snap: Snapshot }) {
  if (snap.pending === 0) return null;
  return (
    <span
      class="badge badge-pending"
      data-testid="pending-badge"
      data-count={snap.pending}
      role="status"
      title={t('pending_upload_label', { n: snap.pending })}
    >
      <Icon name={snap.offline ? 'cloudOff' : 'upload'} size={18} />
      <span class="pending-words">{t('pending_upload', { n: snap.pending })}</span>
      {/* on a phone's work bar, only the number shows (the words stay for screen readers) */}
      <span class="pending-n" aria-hidden="true">
        {snap.pending}
      </span>
    </span>
  );
}

/** A button that reads `text` aloud; absent where the browser has no voice. */
export function SpeakButton({ text, testid, big }: { text: string; testid?: string; big?: boolean }) {
  const lang = getLang();
  const can = useCanSpeak(lang);
  const [on, setOn] = useState(false);
  useEffect(() => () => stopSpeaking(), []);
  if (!can || !text.trim()) return null;
  return (
    <button
      type="button"
      class={'btn btn-plain speak-btn' + (big ? '' : ' btn-icon')}
      data-testid={testid ?? 'speak'}
      aria-pressed={on}
      aria-label={on ? t('stop_reading') : t('read_aloud')}
      onClick={() => {
        if (on) {
          stopSpeaking();
          setOn(false);
          return;
        }
        setOn(true);
        speak(text, lang, () => setOn(false));
      }}
    >
      <Icon name="speaker" />
      {big && <span>{on ? t('stop_reading') : t('read_aloud')}</span>}
    </button>
  );
}

/** GETs an optional API (one another part of Mudou may not serve yet): undefined while
 * loading, null when the server has no such route (404/405), the data otherwise. */
export function useOptional<T>(path: string, deps: unknown[] = []): [T | null | undefined, () => void] {
  const [data, setData] = useState<T | null | undefined>(undefined);
  const [n, setN] = useState(0);
  useEffect(() => {
    let alive = true;
    api.get<T>(path).then(
      (d) => alive && setData(d),
      (e) => {
        if (!alive) return;
        if (e instanceof ApiError && (e.status === 404 || e.status === 405)) setData(null);
        else setData((old) => (old === undefined ? null : old));
      },
    );
    return () => {
      alive = false;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [path, n, ...deps]);
  return [data, () => setN((x) => x + 1)];
}
