// The annotator's part of the app: home (Start, today's earnings and count, quality stars,
// messages from the lead) and the work screen. The view lives in the hash (`#/work`,
// `#/earnings`), so a reload comes back where it was.

import type { ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { api, ApiError, type User } from '../../api';
import { getLang, t, type Key } from '../../i18n';
import { Icon, type IconName } from '../../components/Icon';
import { Button, ErrorNote, Note } from '../../components/ui';
import { shortTime, yuan } from '../../util';
import { outbox } from '../../work/outbox';
import { askForWork } from '../../work/next';
import type { Earnings, Message, NextOut, Quality } from '../../work/types';
import { answerText, knownLabels, PendingBadge, SpeakButton, useOptional, useOutbox } from './common';
import { Workbench } from './Workbench';
import { PauseCard, pauseFor, usePauses } from './PauseCard';
import { EarningsPage } from '../Earnings';
import { MyQuestionsCard } from './Ask';
import { MistakesButton, MistakesPage, PracticeCard, PracticePage, usePractice, type MyMistakes } from './Mistakes';
import { ExpertCard, ExpertPage } from './Expert';
import '../../work/work.css';

export type AnnotatorView = 'home' | 'work' | 'earnings' | 'mistakes' | 'practice' | 'expert';

export function viewFromHash(hash: string): AnnotatorView {
  const h = hash.replace(/^#\/?/, '');
  if (h.startsWith('work')) return 'work';
  if (h.startsWith('earnings')) return 'earnings';
  if (h.startsWith('mistakes')) return 'mistakes';
  if (h.startsWith('practice')) return 'practice';
  if (h.startsWith('expert')) return 'expert';
  return 'home';
}

function useView(): [AnnotatorView, (v: AnnotatorView) => void] {
  const [view, setView] = useState(() => viewFromHash(location.hash));
  useEffect(() => {
    const f = () => setView(viewFromHash(location.hash));
    window.addEventListener('hashchange', f);
    return () => window.removeEventListener('hashchange', f);
  }, []);
  return [
    view,
    (v) => {
      const hash = v === 'home' ? '' : '#/' + v;
      if (location.hash !== hash) history.pushState(null, '', location.pathname + hash);
      setView(v);
    },
  ];
}

export function AnnotatorApp({ user, topBar }: { user: User; topBar: ComponentChildren }) {
  const [view, go] = useView();
  // the unit Start found, handed to the work screen so it is not asked for twice
  const [found, setFound] = useState<NextOut | null>(null);
  const [nothing, setNothing] = useState<string | null>(null);

  // This person's saved answers may be sent now (and those of whoever used this PC before
  // wait for them).
  useEffect(() => {
    const ob = outbox();
    void ob.load().then(() => ob.setUser(user.id));
    return () => ob.setUser(null);
  }, [user.id]);

  if (view === 'work')
    return (
      <Workbench
        user={user}
        initial={found}
        onHome={(reason) => {
          setFound(null);
          setNothing(reason ?? null);
          go('home');
        }}
      />
    );
  return (
    <div class="page" data-role="annotator">
      {topBar}
      {view === 'earnings' ? (
        <EarningsPage onBack={() => go('home')} />
      ) : view === 'mistakes' ? (
        <MistakesPage onBack={() => go('home')} />
      ) : view === 'practice' ? (
        <PracticePage onBack={() => go('home')} />
      ) : view === 'expert' ? (
        <ExpertPage onBack={() => go('home')} />
      ) : (
        <AnnotatorHome
          user={user}
          nothing={nothing}
          onWork={(next) => {
            setNothing(null);
            setFound(next);
            go('work');
          }}
          onNothing={setNothing}
          onEarnings={() => go('earnings')}
          onMistakes={() => go('mistakes')}
          onPractice={() => go('practice')}
          onExpert={() => go('expert')}
        />
      )}
    </div>
  );
}

const NOTHING: Record<string, { icon: IconName; title: Key; hint: Key }> = {
  paused: { icon: 'pause', title: 'nothing_paused', hint: 'nothing_paused_hint' },
  not_qualified: { icon: 'lock', title: 'nothing_not_qualified', hint: 'nothing_not_qualified_hint' },
  no_open_orders: { icon: 'tea', title: 'nothing_no_open_orders', hint: 'nothing_no_open_orders_hint' },
  all_done: { icon: 'done', title: 'nothing_all_done', hint: 'nothing_all_done_hint' },
  busy: { icon: 'refresh', title: 'nothing_busy', hint: 'nothing_busy_hint' },
};

export function NothingPanel({ reason }: { reason: string }) {
  if (reason === 'paused') return <PausedPanel />;
  return <NothingWords reason={reason} />;
}

/** Paused: which pause, why, what to do and who lifts it (the plain words until known). */
function PausedPanel() {
  const data = usePauses(false);
  const p = data ? pauseFor(data.pauses) : null;
  if (!p) return <NothingWords reason="paused" />;
  return (
    <div class="panel-nothing panel-paused" data-testid="no-work" data-reason="paused">
      <PauseCard pause={p} leads={data!.leads} />
    </div>
  );
}

function NothingWords({ reason }: { reason: string }) {
  const n = NOTHING[reason] ?? NOTHING.no_open_orders;
  return (
    <div class="panel-nothing" role="status" data-testid="no-work" data-reason={reason}>
      <Icon name={n.icon} size={48} />
      <div>
        <strong>{t(n.title)}</strong>
        <p>{t(n.hint)}</p>
      </div>
    </div>
  );
}

type StartState = { kind: 'idle' } | { kind: 'checking' } | { kind: 'error'; error: unknown };

function AnnotatorHome({
  user,
  nothing,
  onWork,
  onNothing,
  onEarnings,
  onMistakes,
  onPractice,
  onExpert,
}: {
  user: User;
  nothing: string | null;
  onWork: (n: NextOut) => void;
  onNothing: (reason: string) => void;
  onEarnings: () => void;
  onMistakes: () => void;
  onPractice: () => void;
  onExpert?: () => void;
}) {
  const [start, setStart] = useState<StartState>({ kind: 'idle' });
  const [earnings] = useOptional<Earnings>('/me/earnings');
  const [quality] = useOptional<Quality>('/me/quality');
  const [mistakes] = useOptional<MyMistakes>('/me/mistakes');
  const [practice] = usePractice();
  const snap = useOutbox();

  async function begin() {
    setStart({ kind: 'checking' });
    try {
      // answers still waiting go first (a finished unit's submit among them)
      await outbox().flush();
      const res = await askForWork();
      if (res.status === 'assigned' && res.assignment) onWork(res);
      else {
        onNothing(res.reason ?? 'no_open_orders');
        setStart({ kind: 'idle' });
      }
    } catch (e) {
      setStart({ kind: 'error', error: e });
    }
  }

  const todayLine = earnings ? `${t('today_earnings')} ${yuan(earnings.today_fen)}` : '';
  return (
    <main class="annotator-home">
      <div class="home-head">
        <h1 class="greeting" data-testid="greeting">
          {t('hello', { name: user.display_name })}
        </h1>
        <QualityBadge quality={quality} level={user.skill_level} />
      </div>
      <PendingBadge snap={snap} />
      {practice && <PracticeCard unit={practice} onStart={onPractice} />}
      {/* an expert (of the medical tier) sees the items waiting for them */}
      {user.skill_level === 'expert' && onExpert && <ExpertCard onOpen={onExpert} />}
      <button
        type="button"
        class="start-btn"
        data-testid="start"
        aria-busy={start.kind === 'checking' ? 'true' : undefined}
        disabled={start.kind === 'checking'}
        onClick={() => void begin()}
      >
        <Icon name="play" size={44} />
        <span>{t('start')}</span>
      </button>
      {start.kind === 'checking' && (
        <p class="loading" role="status">
          {t('checking_work')}
        </p>
      )}
      {nothing && start.kind !== 'checking' && <NothingPanel reason={nothing} />}
      {start.kind === 'error' && <ErrorNote error={start.error} />}
      {snap.pending > 0 && start.kind === 'error' && <Note kind="info">{t('pending_logout_hint', { n: snap.pending })}</Note>}
      {snap.rejected > 0 && <Note kind="info">{t('rejected_n', { n: snap.rejected })}</Note>}
      {snap.late > 0 && <Note kind="info">{t('late_n', { n: snap.late })}</Note>}
      {!outbox().durable && <Note kind="info">{t('not_durable')}</Note>}
      <div class="stats">
        <Stat
          icon="coin"
          label={t('today_earnings')}
          value={earnings ? yuan(earnings.today_fen) : t('not_counted')}
          testid="today-earnings"
        />
        <Stat
          icon="done"
          label={t('today_done')}
          value={earnings ? String(earnings.today_labels) : t('not_counted')}
          testid="today-count"
        />
      </div>
      <div class="home-actions">
        {earnings && (
          <Button icon="chart" label={t('my_earnings')} kind="secondary" data-testid="my-earnings" onClick={onEarnings} />
        )}
        {todayLine && <SpeakButton text={todayLine} testid="speak-today" big />}
        <MistakesButton data={mistakes} onOpen={onMistakes} />
      </div>
      <MyQuestionsCard />
      <Messages />
    </main>
  );
}

function Stat({ icon, label, value, testid }: { icon: IconName; label: string; value: string; testid: string }) {
  return (
    <div class="stat" data-testid={testid}>
      <Icon name={icon} size={32} />
      <span class="stat-label">{label}</span>
      <span class="stat-value">{value}</span>
    </div>
  );
}

/** Quality as stars (never a percentage), with the level in words; the level alone until
 * stars are known. */
export function QualityBadge({ quality, level }: { quality: Quality | null | undefined; level: User['skill_level'] }) {
  const lv = quality?.level ?? level;
  const stars = quality?.stars ?? null;
  if (!lv && stars === null) return null;
  const label = stars === null ? t('stars_none') : t('stars_label', { n: stars });
  return (
    <span class="quality" data-testid="quality" data-stars={stars ?? ''} role="img" aria-label={`${label}${lv ? ' · ' + t(('skill_' + lv) as Key) : ''}`}>
      {stars !== null && (
        <span class="stars" aria-hidden="true">
          {[1, 2, 3, 4, 5].map((i) => (
            <span key={i} class={'star' + (i <= stars ? ' on' : '')}>
              <Icon name="star" size={22} />
            </span>
          ))}
        </span>
      )}
      {lv && (
        <span class="badge badge-level" aria-hidden="true">
          {t(('skill_' + lv) as Key)}
        </span>
      )}
    </span>
  );
}

function Messages() {
  const [data, reload] = useOptional<{ messages: Message[] }>('/me/messages');
  const [error, setError] = useState<unknown>(null);
  if (!data || data.messages.length === 0) return null;
  const list = [...data.messages].sort((a, b) => Number(!!a.read_at) - Number(!!b.read_at) || b.created_at - a.created_at);
  return (
    <section class="messages card" aria-label={t('from_lead')} data-testid="messages">
      <h2>
        <Icon name="message" />
        <span>{t('from_lead')}</span>
      </h2>
      <ErrorNote error={error} />
      <ul>
        {list.map((m) => (
          <li key={m.id} class={'message' + (m.read_at ? ' read' : '')} data-testid="message">
            {m.item?.thumb_url && <img class="message-thumb" src={m.item.thumb_url} alt={t('fb_this_item')} loading="lazy" />}
            <div class="message-body">
              <p class="message-from">
                <strong>{m.from_name}</strong> <span class="muted">{shortTime(m.created_at, getLang())}</span>
              </p>
              <p class="message-text">{m.text}</p>
              {m.item?.text && <p class="message-item-text">{m.item.text}</p>}
              {m.item?.answer && (
                <p class="message-answer">
                  <Icon name="check" size={18} />
                  {t('right_answer_is', { answer: answerText(m.item.answer, knownLabels()) })}
                </p>
              )}
            </div>
            <div class="message-actions">
              <SpeakButton text={`${m.from_name}：${m.text}`} testid="speak-message" />
              {!m.read_at && (
                <Button
                  icon="check"
                  label={t('message_read')}
                  kind="plain"
                  onClick={async () => {
                    try {
                      await api.post(`/me/messages/${m.id}/read`);
                      reload();
                    } catch (e) {
                      if (!(e instanceof ApiError && e.status === 404)) setError(e);
                    }
                  }}
                />
              )}
            </div>
          </li>
        ))}
      </ul>
    </section>
  );
}
