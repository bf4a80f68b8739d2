// The work screen: one item at a time from a leased unit. Answers go to the outbox (saved in
// IndexedDB, then sent); the unit is submitted once its last answer is in, then the next unit
// comes. Keys: the label's number answers, Enter confirms, ← goes back.

import { useEffect, useLayoutEffect, useReducer, useRef, useState } from 'preact/hooks';
import { api, ApiError, type User } from '../../api';
import { getLang, t } from '../../i18n';
import { Icon } from '../../components/Icon';
import { Button, ErrorNote, LangToggle, Note } from '../../components/ui';
import { uuid, yuan } from '../../util';
import { keyAction, keyForControl, hotkeyOf, type KeyAction } from '../../work/hotkeys';
import { outbox } from '../../work/outbox';
import { lookahead, pictureUrl, prefetch, setPictureBox } from '../../work/prefetch';
import { askForWork } from '../../work/next';
import {
  answeredCount,
  current,
  freshFen,
  initUnit,
  inSuggestionOrder,
  sameAnswer,
  suggestionOf,
  ticksOf,
  unitReducer,
  type Given,
  type UnitAction,
  type UnitState,
} from '../../work/unit';
import type { Answer, Assignment, Box, Earnings, LabelBody, LabelOut, LeaseOut, NextOut, Pauses, SkipReason, Suggestion, TrainingResult } from '../../work/types';
import { labelName, labelThumb, PendingBadge, rememberLabels, useOutbox } from './common';
import { BoxEditor, type BoxControl } from './BoxEditor';
import { HelpDialog } from './HelpDialog';
import { FeedbackPanel } from './FeedbackPanel';
import { TemplateForm } from './TemplateForm';
import { QuestionLine, QuestionSpeaker } from './Question';
import { AnswerBody, AskSheet, type MyQuestions, type QuestionOut } from './Ask';
import { NewExampleCard } from './NewExample';
import { PauseCard, pauseFor, usePauses } from './PauseCard';
import { ModelBadge, SuggestionBar, YoursBar } from './Suggestion';
import type { FormAnswer } from '../../kinds/types';

/** How often the lease is renewed while the screen is open (the lease lasts 10 minutes). */
const HEARTBEAT_MS = 2 * 60 * 1000;

type Stage =
  | { kind: 'loading' }
  | { kind: 'unit' }
  | { kind: 'finishing'; assignment: Assignment; earned: number; submitId?: string }
  | { kind: 'trained'; result: TrainingResult }
  | { kind: 'paused'; orderId: number }
  | { kind: 'returning'; assignment: Assignment; error?: unknown }
  | { kind: 'error'; error: unknown };

type Action = UnitAction | { type: 'reset'; unit: UnitState | null };

function reducer(s: UnitState | null, a: Action): UnitState | null {
  if (a.type === 'reset') return a.unit;
  return s ? unitReducer(s, a) : s;
}

export function Workbench({
  user,
  initial,
  onHome,
}: {
  user: User;
  initial: NextOut | null;
  onHome: (nothingReason?: string) => void;
}) {
  const [stage, setStage] = useState<Stage>({ kind: 'loading' });
  const [unit, dispatchRaw] = useReducer(reducer, null);
  const [help, setHelp] = useState(false);
  const [asking, setAsking] = useState(false);
  const [asked, setAsked] = useState(false);
  // Answered questions (mine, others' of the centre on the same item, and others' like a
  // question of mine, shown on the item I asked about) on items of this unit: a chip on the item.
  const [answered, setAnswered] = useState<{ item: number; q: QuestionOut }[]>([]);
  // "This answers me" in the ask sheet: nothing sent, the annotator goes on.
  const [answeredOk, setAnsweredOk] = useState(false);
  const [chipOpen, setChipOpen] = useState(false);
  const unitId = unit?.assignment.id;
  const ask = () => {
    setAsked(false);
    setAnsweredOk(false);
    setAsking(true);
  };
  useEffect(() => {
    if (unitId === undefined) return;
    api.get<MyQuestions>('/me/questions').then(
      (m) => {
        if (!alive.current) return;
        const myItem = new Map(m.questions.map((q) => [q.id, q.item.item_id]));
        const onItem = (q: QuestionOut) => (q.why === 'similar' && q.similar_to != null ? myItem.get(q.similar_to) : q.item.item_id);
        setAnswered(
          [...m.questions, ...m.on_my_items]
            .filter((q) => q.answer)
            .flatMap((q) => {
              const item = onItem(q);
              return item === undefined ? [] : [{ item, q }];
            }),
        );
      },
      () => undefined,
    );
  }, [unitId]);
  // the instructions version whose "new example" card this annotator closed
  const [exampleSeen, setExampleSeen] = useState(0);
  const [skipping, setSkipping] = useState(false);
  // the item whose suggested boxes were changed (the model's mark goes from them)
  const [boxesTouched, setBoxesTouched] = useState<number | null>(null);
  // the "hand this unit back?" question is open
  const [handBack, setHandBack] = useState(false);
  // the unit being handed back (null: none, or the person chose to keep going)
  const returning = useRef<number | null>(null);
  const [leaseLost, setLeaseLost] = useState(false);
  const [baseFen, setBaseFen] = useState<number | null>(null);
  const [earnedBefore, setEarnedBefore] = useState(0);
  // today's total went down since it was last shown (answers became unpaid): by how much, why
  const [drop, setDrop] = useState<{ fen: number; why: string } | null>(null);
  const [dropOpen, setDropOpen] = useState(false);
  // what the bar last showed today, kept for the tab's life (a new work screen compares too)
  const shownKey = `mudou.shownFen.${user.id}`;
  const shownFen = useRef<{ fen: number; day: number } | null>(readShown(shownKey));
  const snap = useOutbox();
  const boxControl = useRef<BoxControl | null>(null);
  const unitRef = useRef(unit);
  unitRef.current = unit;
  // The state after every action so far, before the next render: two keys pressed within one
  // frame must answer two items, not the same one twice.
  const dispatch = (a: Action) => {
    unitRef.current = reducer(unitRef.current, a);
    dispatchRaw(a);
  };
  const firstLoad = useRef(initial);
  const alive = useRef(true);
  useEffect(
    () => () => {
      alive.current = false;
    },
    [],
  );

  // today's earnings from the server (when it tells), plus what this page has added since;
  // asked again with each new unit (the server counts the answers it has by then)
  const refreshEarnings = () =>
    api.get<Earnings>('/me/earnings').then(
      (e) => {
        if (!alive.current) return;
        const before = shownFen.current;
        const day = e.today_start ?? 0;
        setBaseFen(e.today_fen);
        setEarnedBefore(0);
        shownFen.current = { fen: e.today_fen, day };
        writeShown(shownKey, shownFen.current);
        if (before && before.day === day && e.today_fen < before.fen) void explainDrop(before.fen - e.today_fen);
      },
      () => {},
    );

  // the work bar never just drops: it says by how much and why (a pause's left-out answers,
  // or answers that differ from the final answer)
  async function explainDrop(fen: number) {
    let why = t('earn_drop_differs', { yuan: yuan(fen) });
    try {
      const ps = await api.get<Pauses>('/me/pauses');
      const p = ps.pauses.find((x) => x.unpaid_labels > 0);
      if (p) why = t('earn_drop_pause', { yuan: yuan(fen), n: p.unpaid_labels });
    } catch {
      // the general reason stands
    }
    if (alive.current) setDrop({ fen, why });
  }

  async function load(): Promise<void> {
    setStage({ kind: 'loading' });
    setLeaseLost(false);
    const ob = outbox();
    try {
      await ob.load();
      ob.setUser(user.id);
      let res = firstLoad.current;
      firstLoad.current = null;
      if (!res) {
        await ob.flush();
        res = await askForWork();
      }
      if (!alive.current) return;
      if (res.status !== 'assigned' || !res.assignment) {
        onHome(res.reason ?? 'no_open_orders');
        return;
      }
      const a = res.assignment;
      rememberLabels(a.order.labels);
      if (ob.hasSubmit(a.id)) {
        // finished before a reload: its answers are still on their way
        setStage({ kind: 'finishing', assignment: a, earned: 0 });
        return;
      }
      dispatch({ type: 'reset', unit: initUnit(a, ob.queuedAnswers(a.id), performance.now()) });
      setStage({ kind: 'unit' });
      void refreshEarnings();
    } catch (e) {
      if (alive.current) setStage({ kind: 'error', error: e });
    }
  }

  useEffect(() => {
    void load();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  // the unit's last answer is in: submit it (through the outbox, after its answers), then on
  useEffect(() => {
    if (!unit || unit.phase !== 'finished' || stage.kind !== 'unit') return;
    const a = unit.assignment;
    const earned = freshFen(unit);
    setEarnedBefore((x) => x + earned);
    setStage({ kind: 'finishing', assignment: a, earned });
    void outbox()
      .enqueueSubmit(user.id, a.id)
      .then((entry) => {
        if (!a.training) return;
        // a training unit is graded on submit: show how it went before going on
        void outbox()
          .whenSent(entry.id)
          .then((o) => {
            const result = o.kind === 'ok' ? (o.result as LeaseOut | null)?.training : undefined;
            if (result && alive.current) setStage({ kind: 'trained', result });
          });
      });
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [unit?.phase, unit?.assignment.id]);

  useEffect(() => {
    if (stage.kind !== 'finishing') return;
    let gone = false;
    const training = !!stage.assignment.training;
    void outbox()
      .whenDrained(stage.assignment.id)
      .then(() => {
        // a training unit waits on its result screen for the person to go on
        if (!gone && alive.current && !training) void load();
      });
    return () => {
      gone = true;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [stage]);

  // keep the lease while the screen is open
  const assignmentId = unit?.assignment.id;
  useEffect(() => {
    if (assignmentId === undefined || stage.kind !== 'unit') return;
    const beat = async () => {
      if (document.visibilityState === 'hidden') return;
      try {
        await api.post(`/work/assignments/${assignmentId}/heartbeat`);
      } catch (e) {
        // the unit ended (its lease ran out, or it was handed back) or is gone
        if (e instanceof ApiError && (e.code === 'assignment_ended' || e.code === 'not_found')) setLeaseLost(true);
      }
    };
    const id = setInterval(() => void beat(), HEARTBEAT_MS);
    return () => clearInterval(id);
  }, [assignmentId, stage.kind]);

  // pictures of the next items, ahead of time: the one in front of the person first and alone
  // (its <img> asks for it at high priority), then the next ones, a few at a time
  const index = unit?.index ?? 0;
  useEffect(() => {
    if (!unit) return;
    const [now, ...next] = lookahead(unit.assignment.items, unit.index, 5);
    let stop = false;
    void prefetch([now], 'high').then(() => {
      if (!stop) void prefetch(next);
    });
    return () => {
      stop = true;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [assignmentId, index]);
  // then the rest of the unit (and the labels' example pictures), so a network that goes away
  // midway still leaves every picture of the unit on this device
  useEffect(() => {
    if (!unit) return;
    // every picture of the unit (a template's items may have several fields)
    const o = unit.assignment.order;
    const rest = unit.assignment.items.flatMap((i) =>
      o.task_type === 'template' && i.fields && i.fields.length
        ? i.fields.map((f) => f.screen_url ?? f.thumb_url ?? null)
        : [pictureUrl(i)],
    );
    let stop = false;
    void (async () => {
      const [now, ...next] = lookahead(unit.assignment.items, unit.index, 5);
      await prefetch([now], 'high');
      await prefetch(next);
      if (stop) return;
      void prefetch(o.labels.map((l) => labelThumb(o, l)));
      for (let i = 0; i < rest.length && !stop; i += 2) await prefetch(rest.slice(i, i + 2));
    })();
    return () => {
      stop = true;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [assignmentId]);

  // Hands the unit back: first every answer of it still in the outbox goes (so none is lost and
  // the server counts it), then the unit; then home. Offline, it waits for the network.
  async function returnUnit(a: Assignment) {
    setHandBack(false);
    returning.current = a.id;
    setStage({ kind: 'returning', assignment: a });
    const ob = outbox();
    void ob.flush();
    await ob.whenDrained(a.id);
    if (returning.current !== a.id || !alive.current) return;
    try {
      await api.post<LeaseOut>(`/work/assignments/${a.id}/return`);
    } catch (e) {
      // already ended (handed back by an earlier try whose reply was lost, or timed out): done
      const ended = e instanceof ApiError && (e.code === 'assignment_ended' || e.code === 'not_found');
      if (!ended) {
        if (returning.current === a.id && alive.current) setStage({ kind: 'returning', assignment: a, error: e });
        return;
      }
    }
    if (returning.current !== a.id || !alive.current) return;
    returning.current = null;
    onHome();
  }

  function keepGoing() {
    returning.current = null;
    setStage({ kind: 'unit' });
  }

  function give(g: Given) {
    const s = unitRef.current;
    if (!s || s.phase !== 'answering') return;
    const it = current(s);
    const body: LabelBody = {
      client_uuid: uuid(),
      assignment_id: s.assignment.id,
      item_id: it.item_id,
      duration_ms: Math.max(0, Math.round(performance.now() - s.shownAt)),
      ...(g.answer ? { answer: g.answer } : { skip: g.skip as SkipReason }),
      // shown, whatever was done with it (even cleared): the server compares
      ...(it.suggestion ? { suggestion_id: it.suggestion.id } : {}),
    };
    const now = performance.now();
    dispatch(g.answer ? { type: 'answer', answer: g.answer, now } : { type: 'skip', reason: g.skip as SkipReason, now });
    setSkipping(false);
    const training = !!s.assignment.training;
    const orderId = s.assignment.order.id;
    void outbox()
      .enqueueLabel(user.id, body)
      .then((entry) => {
        const sent = outbox().whenSent(entry.id);
        // the answer says when this work is paused now (a rule this answer set off, or the
        // lead): stop at once and say why
        void sent.then((o) => {
          const r = o.kind === 'ok' ? (o.result as LabelOut | null) : null;
          if (r?.paused && alive.current) setStage({ kind: 'paused', orderId });
        });
        if (!training) return;
        return sent.then((o) =>
            dispatch({
              type: 'feedback',
              item_id: it.item_id,
              result: o.kind === 'ok' && o.result && 'feedback' in o.result ? (o.result.feedback ?? null) : null,
            }),
          );
      });
  }

  function onKey(a: KeyAction): boolean {
    const s = unitRef.current;
    if (!s) return false;
    const task = s.assignment.order.task_type;
    if (s.phase === 'feedback') {
      if (a.type === 'confirm' && s.feedback?.arrived) {
        dispatch({ type: 'next', now: performance.now() });
        return true;
      }
      return false;
    }
    if (s.phase !== 'answering') return false;
    if (task === 'bbox' && boxControl.current?.key(a)) return true;
    switch (a.type) {
      case 'label':
        if (task === 'multi_label') dispatch({ type: 'toggle', key: a.key });
        else if (task !== 'bbox') give({ answer: { label: a.key }, skip: null });
        return true;
      case 'confirm': {
        const it = current(s);
        const sug = suggestionOf(s, it);
        if (task === 'multi_label') {
          give({ answer: { labels: inSuggestionOrder(ticksOf(s), sug) }, skip: null });
          return true;
        }
        // Enter accepts the model's suggestion as it is
        if (sug && !s.given[it.item_id] && task !== 'bbox') {
          give({ answer: sug.answer, skip: null });
          return true;
        }
        return false;
      }
      case 'back':
        dispatch({ type: 'back', now: performance.now() });
        return true;
      case 'forward':
        dispatch({ type: 'forward', now: performance.now() });
        return true;
      case 'help':
        setHelp(true);
        return true;
      case 'escape':
        if (skipping) {
          setSkipping(false);
          return true;
        }
        return false;
      default:
        return false;
    }
  }

  useEffect(() => {
    const f = (ev: KeyboardEvent) => {
      if (help || handBack) return; // the dialog handles its own keys
      if (keyForControl(ev.target, ev.key)) return;
      const s = unitRef.current;
      if (!s) return;
      // a template's form has its own keys (each question's hotkeys), except in training feedback
      if (s.assignment.order.task_type === 'template' && s.phase === 'answering') return;
      const a = keyAction(ev, {
        task: s.assignment.order.task_type,
        labels: s.assignment.order.labels,
        boxSelected: boxControl.current?.hasSelection() ?? false,
      });
      if (a && onKey(a)) ev.preventDefault();
    };
    window.addEventListener('keydown', f);
    return () => window.removeEventListener('keydown', f);
  });

  // today's total when the server tells it; else what this page has earned so far
  const sessionFen = earnedBefore + (unit && stage.kind === 'unit' ? freshFen(unit) : 0);
  const todayFen = (baseFen ?? 0) + sessionFen;
  if (baseFen !== null && shownFen.current && shownFen.current.fen !== todayFen) {
    shownFen.current = { ...shownFen.current, fen: todayFen };
    writeShown(shownKey, shownFen.current);
  }

  if (stage.kind === 'loading' || (stage.kind === 'unit' && !unit))
    return (
      <div class="work work-center">
        <p class="loading" role="status">
          {t('loading_next')}
        </p>
      </div>
    );
  if (stage.kind === 'error')
    return (
      <div class="work work-center">
        <div class="narrow stack">
          <ErrorNote error={stage.error} />
          <PendingBadge snap={snap} />
          <div class="btn-row">
            <Button icon="refresh" kind="primary" label={t('retry')} onClick={() => void load()} />
            <Button icon="home" label={t('go_home')} kind="plain" onClick={() => onHome()} />
          </div>
        </div>
      </div>
    );
  if (stage.kind === 'paused')
    return (
      <div class="work work-center" data-testid="work-paused">
        <div class="narrow stack">
          <PausedNow orderId={stage.orderId} />
          <PendingBadge snap={snap} />
          <div class="btn-row">
            <Button icon="home" kind="primary" label={t('go_home')} data-testid="paused-home" onClick={() => onHome()} />
            <Button icon="play" kind="secondary" label={t('pause_other_work')} data-testid="paused-other" onClick={() => void load()} />
          </div>
        </div>
      </div>
    );
  if (stage.kind === 'trained') {
    const r = stage.result;
    return (
      <div class="work work-center" data-testid="training-result" data-passed={r.passed ? 'true' : 'false'}>
        <div class={'unit-done ' + (r.passed ? 'feedback-right' : 'feedback-wrong')}>
          <Icon name={r.passed ? 'star' : 'refresh'} size={64} />
          <h1>{r.passed ? t('training_passed') : t('training_failed')}</h1>
          <p class="unit-earned">{t('training_score', { right: r.right, total: r.total })}</p>
          <p>{r.passed ? t('training_passed_hint') : t('training_failed_hint')}</p>
          <div class="btn-row">
            <Button
              icon={r.passed ? 'play' : 'refresh'}
              kind="primary"
              label={r.passed ? t('start') : t('training_again')}
              data-testid="training-go-on"
              onClick={() => void load()}
            />
            <Button icon="home" label={t('go_home')} kind="plain" onClick={() => onHome()} />
          </div>
        </div>
      </div>
    );
  }
  if (stage.kind === 'returning')
    return (
      <div class="work work-center" data-testid="handing-back">
        <div class="narrow stack">
          <h1 class="handback-head">
            <Icon name="swap" size={40} />
            <span>{t('hand_back')}</span>
          </h1>
          <PendingBadge snap={snap} />
          {stage.error ? (
            <ErrorNote error={stage.error} />
          ) : snap.pending > 0 && snap.offline ? (
            <Note kind="info" testid="handback-offline">
              {t('hand_back_offline')}
            </Note>
          ) : (
            <p class="loading" role="status">
              {t('hand_back_sending')}
            </p>
          )}
          <div class="btn-row">
            {stage.error && (
              <Button icon="refresh" kind="primary" label={t('retry')} onClick={() => void returnUnit(stage.assignment)} />
            )}
            <Button icon="play" kind="plain" label={t('hand_back_keep')} data-testid="handback-keep" onClick={keepGoing} />
          </div>
        </div>
      </div>
    );
  if (stage.kind === 'finishing')
    return (
      <div class="work work-center" data-testid="unit-done">
        <div class="unit-done">
          <Icon name="done" size={64} />
          <h1>{t('unit_done')}</h1>
          {stage.earned > 0 && <p class="unit-earned">{t('unit_earned', { yuan: yuan(stage.earned) })}</p>}
          <PendingBadge snap={snap} />
          {snap.pending > 0 && snap.offline ? (
            <Note kind="info" testid="unit-offline">
              {t('unit_offline')}
            </Note>
          ) : (
            <p class="loading" role="status">
              {snap.pending > 0 ? t('unit_sending') : t('loading_next')}
            </p>
          )}
          <Button icon="home" label={t('go_home')} kind="plain" onClick={() => onHome()} />
        </div>
      </div>
    );

  const s = unit!;
  const a = s.assignment;
  const o = a.order;
  const fresh = o.new_example;
  if (fresh && fresh.version > exampleSeen)
    return <NewExampleCard example={fresh} onOk={() => setExampleSeen(fresh.version)} />;
  const it = current(s);
  const n = a.items.length;
  const done = answeredCount(s);
  const given = s.given[it.item_id];
  const lang = getLang();
  // the model's boxes, while they are still as it drew them
  const sugNow = suggestionOf(s, it);
  const boxSug =
    o.task_type === 'bbox' && sugNow && boxesTouched !== it.item_id && (!given || (given.answer && sameAnswer(given.answer, sugNow.answer))) ? sugNow : null;
  return (
    <div class={'work work-' + o.task_type} data-testid="work" data-item-id={it.item_id} data-index={s.index} lang={lang}>
      <header class="work-bar" data-testid="work-bar">
        <button type="button" class="btn btn-plain btn-icon" data-testid="go-home" aria-label={t('go_home')} onClick={() => onHome()}>
          <Icon name="home" />
        </button>
        <button
          type="button"
          class="btn btn-plain btn-icon"
          data-testid="hand-back"
          aria-label={t('hand_back')}
          title={t('hand_back')}
          aria-haspopup="dialog"
          disabled={s.phase === 'finished'}
          onClick={() => setHandBack(true)}
        >
          <Icon name="swap" />
        </button>
        <button
          type="button"
          class="btn btn-plain btn-prev"
          data-testid="prev"
          aria-label={t('prev_item')}
          disabled={s.index === 0 || s.phase !== 'answering'}
          onClick={() => dispatch({ type: 'back', now: performance.now() })}
        >
          <Icon name="back" />
          <span class="hide-narrow">{t('prev_item')}</span>
        </button>
        <div class="work-progress">
          <div
            class="progress-track"
            role="progressbar"
            aria-label={t('progress_label')}
            aria-valuemin={0}
            aria-valuemax={n}
            aria-valuenow={done}
            aria-valuetext={t('progress_of', { i: s.index + 1, n })}
          >
            <div class="progress-fill" style={{ width: `${(100 * done) / Math.max(1, n)}%` }} />
          </div>
          <span class="progress-text" data-testid="progress">
            {s.index + 1}/{n}
          </span>
        </div>
        {a.training && (
          <span class="badge badge-training" data-testid="training-badge">
            <Icon name="star" size={16} />
            {t('training_badge')}
          </span>
        )}
        <div class="work-money">
        <span
          class="work-earn"
          data-testid="work-earnings"
          title={baseFen !== null ? t('today_earnings') : t('session_earned', { yuan: yuan(sessionFen) })}
          data-fen={todayFen}
        >
          <Icon name="coin" size={20} />
          {baseFen !== null ? (
            <>
              <span class="sr-only">{t('today_earnings')}</span>
              {yuan(todayFen)}
            </>
          ) : (
            <>
              <span class="sr-only">{t('this_session')}</span>+{yuan(sessionFen)}
            </>
          )}
        </span>
        <PendingBadge snap={snap} />
        </div>
        {drop && (
          <button
            type="button"
            class="btn btn-plain earn-drop"
            data-testid="earn-drop"
            data-fen={drop.fen}
            aria-expanded={dropOpen}
            aria-label={drop.why}
            onClick={() => setDropOpen((x) => !x)}
          >
            <Icon name="info" size={20} />
            {t('earn_drop', { yuan: yuan(drop.fen) })}
          </button>
        )}
        <button type="button" class="btn btn-plain btn-icon" data-testid="help" aria-label={t('help')} onClick={() => setHelp(true)}>
          <Icon name="help" />
        </button>
      </header>
      <h1 class="sr-only">{t('work_title', { order: o.name })}</h1>
      {drop && dropOpen && (
        <Note kind="info" testid="earn-drop-why">
          {drop.why}
        </Note>
      )}
      <QuestionLine order={o} />
      {asking && (
        <AskSheet
          assignmentId={a.id}
          itemId={it.item_id}
          onClose={() => setAsking(false)}
          onAnswered={() => {
            setAsking(false);
            setAnsweredOk(true);
          }}
          onSent={(_q, skipped) => {
            setAsking(false);
            setAsked(true);
            // The server skipped it already; the same skip here moves on to the next item
            // (the server takes it as the same annotator's answer again: one label).
            if (skipped) give({ answer: null, skip: 'cannot_judge' });
          }}
        />
      )}
      {asked && (
        <Note kind="info" testid="ask-sent">
          {t('ask_sent')}
        </Note>
      )}
      {answeredOk && (
        <Note kind="info" testid="ask-answered-ok">
          {t('ask_answered_ok')}
        </Note>
      )}
      {answered.some((x) => x.item === it.item_id) && (
        <div class="answered-chip-box">
          <button type="button" class="btn btn-plain answered-chip" data-testid="answered-chip" aria-expanded={chipOpen} onClick={() => setChipOpen((x) => !x)}>
            <Icon name="message" size={18} />
            {t('ask_answered_chip')}
          </button>
          {chipOpen &&
            answered
              .filter((x) => x.item === it.item_id)
              .map(({ q }) => (
                <div class="answered-text question-answer" key={q.id} data-testid="answered-text">
                  {q.answer && <AnswerBody a={q.answer} />}
                </div>
              ))}
        </div>
      )}
      {leaseLost && <Note kind="info">{t('lease_lost')}</Note>}
      {!outbox().durable && <Note kind="info">{t('not_durable')}</Note>}
      {snap.rejected > 0 && <Note kind="info">{t('rejected_n', { n: snap.rejected })}</Note>}
      {snap.late > 0 && <Note kind="info">{t('late_n', { n: snap.late })}</Note>}
      {a.training && s.index === 0 && !given && <Note kind="info">{t('training_hint')}</Note>}
      {s.phase === 'feedback' && s.feedback ? (
        <FeedbackPanel
          order={o}
          item={it}
          given={s.feedback.given}
          result={s.feedback.result}
          arrived={s.feedback.arrived}
          onNext={() => dispatch({ type: 'next', now: performance.now() })}
        />
      ) : o.task_type === 'template' ? (
        o.template ? (
          <>
            {given?.skip && (
              <p class="given-note" data-testid="given-skip">
                <Icon name="skip" size={18} />
                {t('skipped_as', { reason: t(('skip_' + given.skip) as 'skip_unclear') })}
              </p>
            )}
            <TemplateForm
              key={`${a.id}:${it.item_id}:${s.cleared[it.item_id] ? 'c' : ''}`}
              template={o.template}
              item={it}
              initial={given?.answer ? (given.answer as FormAnswer) : sugNow ? (sugNow.answer as unknown as FormAnswer) : null}
              suggestion={sugNow}
              hadSuggestion={!!it.suggestion}
              onClearSuggestion={() => dispatch({ type: 'clear' })}
              onSubmit={(ans) => give({ answer: ans as unknown as Answer, skip: null })}
              onBack={() => dispatch({ type: 'back', now: performance.now() })}
              onHelp={() => setHelp(true)}
              keys={!help}
              seed={`${user.id}:${it.item_id}`}
              footer={<SkipArea open={skipping} setOpen={setSkipping} given={given} onSkip={(r) => give({ answer: null, skip: r })} onAsk={ask} />}
            />
          </>
        ) : (
          <Note kind="error">{t('q_template_missing')}</Note>
        )
      ) : o.task_type === 'bbox' ? (
        <>
          {boxSug ? (
            <SuggestionBar s={boxSug} onAccept={() => give({ answer: boxSug.answer, skip: null })} onClear={() => dispatch({ type: 'clear' })} />
          ) : (
            it.suggestion && <YoursBar />
          )}
          <BoxEditor
            key={`${a.id}:${it.item_id}:${s.cleared[it.item_id] ? 'c' : ''}`}
            order={o}
            item={it}
            initial={given ? (given.answer && 'boxes' in given.answer ? given.answer.boxes : []) : sugBoxes(sugNow)}
            control={boxControl}
            modelMark={!!boxSug}
            onChange={() => setBoxesTouched(it.item_id)}
            onDone={(boxes) => give({ answer: { boxes }, skip: null })}
            footer={<SkipArea open={skipping} setOpen={setSkipping} given={given} onSkip={(r) => give({ answer: null, skip: r })} onAsk={ask} askInReasons />}
          />
        </>
      ) : (
        <ChoiceArea
          state={s}
          onAnswer={(ans) => give({ answer: ans, skip: null })}
          onToggle={(key) => dispatch({ type: 'toggle', key })}
          onClear={() => dispatch({ type: 'clear' })}
          footer={<SkipArea open={skipping} setOpen={setSkipping} given={given} onSkip={(r) => give({ answer: null, skip: r })} onAsk={ask} />}
        />
      )}
      {help && <HelpDialog order={o} onClose={() => setHelp(false)} lang={<LangToggle />} />}
      {handBack && (
        <HandBackDialog done={done} left={n - done} onYes={() => void returnUnit(a)} onNo={() => setHandBack(false)} />
      )}
    </div>
  );
}

/** "Hand this unit back?": what happens, in one line, and the two ways on. */
function HandBackDialog({ done, left, onYes, onNo }: { done: number; left: number; onYes: () => void; onNo: () => void }) {
  const keepRef = useRef<HTMLButtonElement>(null);
  // at once on showing (not after the next paint): a key pressed right away already counts
  useLayoutEffect(() => {
    const before = document.activeElement as HTMLElement | null;
    keepRef.current?.focus();
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') {
        e.preventDefault();
        onNo();
      }
    };
    window.addEventListener('keydown', onKey);
    return () => {
      window.removeEventListener('keydown', onKey);
      before?.focus?.();
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);
  return (
    <div class="dialog-backdrop" onClick={(e) => e.target === e.currentTarget && onNo()}>
      <div
        class="dialog handback-dialog"
        role="alertdialog"
        aria-modal="true"
        aria-labelledby="handback-title"
        aria-describedby="handback-what"
        data-testid="handback-dialog"
      >
        <h2 id="handback-title" class="handback-head">
          <Icon name="swap" />
          <span>{t('hand_back_title')}</span>
        </h2>
        <p id="handback-what" class="handback-what">
          {t('hand_back_what', { done, left })}
        </p>
        <div class="dialog-foot">
          <button type="button" class="btn btn-plain" ref={keepRef} data-testid="handback-no" onClick={onNo}>
            <Icon name="play" />
            <span>{t('hand_back_keep')}</span>
          </button>
          <button type="button" class="btn btn-primary" data-testid="handback-yes" onClick={onYes}>
            <Icon name="swap" />
            <span>{t('hand_back_yes')}</span>
          </button>
        </div>
      </div>
    </div>
  );
}

function readShown(key: string): { fen: number; day: number } | null {
  try {
    const v = JSON.parse(sessionStorage.getItem(key) ?? 'null') as { fen?: unknown; day?: unknown } | null;
    return v && typeof v.fen === 'number' && typeof v.day === 'number' ? { fen: v.fen, day: v.day } : null;
  } catch {
    return null;
  }
}

function writeShown(key: string, v: { fen: number; day: number }) {
  try {
    sessionStorage.setItem(key, JSON.stringify(v));
  } catch {
    // storage blocked: this screen still compares within itself
  }
}

/** The pause that just stopped the work, explained. */
function PausedNow({ orderId }: { orderId: number }) {
  const data = usePauses();
  const p = data ? pauseFor(data.pauses, orderId) : null;
  if (!p) return <p class="loading" role="status">{t('nothing_paused')}</p>;
  return <PauseCard pause={p} leads={data!.leads} />;
}

/** The item, large: a picture, or a text in a big font. */
export function ItemView({ item }: { item: Assignment['items'][number] }) {
  const [broken, setBroken] = useState(false);
  // the picture box measured before the picture is asked for: it decides the rendition
  const stageRef = useRef<HTMLDivElement>(null);
  const [measured, setMeasured] = useState(false);
  const [fallback, setFallback] = useState(false);
  useLayoutEffect(() => {
    const el = stageRef.current;
    if (el) {
      const cs = getComputedStyle(el);
      const px = (v: string) => parseFloat(v) || 0;
      setPictureBox(
        el.clientWidth - px(cs.paddingLeft) - px(cs.paddingRight),
        el.clientHeight - px(cs.paddingTop) - px(cs.paddingBottom),
      );
    }
    setMeasured(true);
  }, []);
  // a picture that failed while offline is tried again when the network is back
  useEffect(() => {
    if (!broken) return;
    const again = () => setBroken(false);
    window.addEventListener('online', again);
    return () => window.removeEventListener('online', again);
  }, [broken]);
  if (item.kind === 'text' || (!item.screen_url && !item.thumb_url))
    return (
      <div class="work-stage work-stage-text" data-testid="item-text">
        <p class="work-text" aria-label={t('text_of_item')}>
          {item.text}
        </p>
      </div>
    );
  const chosen = pictureUrl(item) ?? '';
  const src = fallback ? (item.screen_url ?? item.thumb_url ?? '') : chosen;
  return (
    <div class="work-stage" ref={stageRef}>
      {broken ? (
        <Note kind="error">{t('image_broken')}</Note>
      ) : measured ? (
        <img
          key={item.item_id}
          class="work-img"
          data-testid="item-img"
          src={src}
          alt={t('image_of_item')}
          decoding="async"
          fetchpriority="high"
          onLoad={(e) => e.currentTarget.setAttribute('data-loaded', String(performance.now()))}
          // the phone rendition failed (offline, only the screen one kept): the screen one
          onError={() => (src !== (item.screen_url ?? item.thumb_url ?? '') ? setFallback(true) : setBroken(true))}
        />
      ) : null}
    </div>
  );
}

function ChoiceArea({
  state,
  onAnswer,
  onToggle,
  onClear,
  footer,
}: {
  state: UnitState;
  onAnswer: (a: Answer) => void;
  onToggle: (key: string) => void;
  onClear: () => void;
  footer: preact.ComponentChildren;
}) {
  const o = state.assignment.order;
  const it = current(state);
  const multi = o.task_type === 'multi_label';
  const given = state.given[it.item_id];
  const ticks = multi ? ticksOf(state) : [];
  const sug = suggestionOf(state, it);
  const sugLabel = sug && 'label' in sug.answer ? sug.answer.label : null;
  // the model's answer stands: nothing given yet (or the same), nothing ticked otherwise
  const standing =
    !!sug &&
    (multi
      ? 'labels' in sug.answer && sameAnswer(ticks, sug.answer.labels)
      : !given || (!!given.answer && sameAnswer(given.answer, sug.answer)));
  const chosen = (key: string) =>
    multi
      ? ticks.includes(key)
      : given?.answer
        ? 'label' in given.answer && given.answer.label === key
        : !given && sugLabel === key;
  const modelOn = (key: string) => standing && (multi ? ticks.includes(key) : sugLabel === key);
  return (
    <>
      <ItemView key={it.item_id} item={it} />
      <div class="work-controls">
        {given?.skip && (
          <p class="given-note" data-testid="given-skip">
            <Icon name="skip" size={18} />
            {t('skipped_as', { reason: t(('skip_' + given.skip) as 'skip_unclear') })}
          </p>
        )}
        {standing && sug ? (
          <SuggestionBar
            s={sug}
            onAccept={() => onAnswer(multi ? { labels: inSuggestionOrder(ticks, sug) } : sug.answer)}
            onClear={onClear}
          />
        ) : (
          it.suggestion && <YoursBar />
        )}
        <div class="label-grid" role="group" aria-label={t('labels')} data-testid="labels">
          {o.labels.map((l, i) => {
            const button = (
              <LabelButton
                key={l.key}
                order={o}
                index={i}
                model={modelOn(l.key) ? sug : null}
                pressed={chosen(l.key)}
                onClick={() => (multi ? onToggle(l.key) : onAnswer({ label: l.key }))}
              />
            );
            // a label someone recorded says its name from its own speaker (a sibling of the
            // button, never inside it: one control, one action)
            const audio = o.label_audio?.[l.key];
            return audio ? (
              <div class="label-cell" key={l.key}>
                {button}
                <QuestionSpeaker text={labelName(l)} audio={audio} testid={`label-speak-${l.key}`} />
              </div>
            ) : (
              button
            );
          })}
        </div>
        <div class="work-actions">
          {footer}
          {multi && (
            <button
              type="button"
              class="btn btn-primary btn-confirm"
              data-testid="confirm"
              aria-keyshortcuts="Enter"
              onClick={() => onAnswer({ labels: inSuggestionOrder(ticks, sug) })}
            >
              <Icon name="check" />
              <span>{t('confirm_key')}</span>
              <span class="badge badge-count">{t('picked_n', { n: ticks.length })}</span>
            </button>
          )}
        </div>
      </div>
    </>
  );
}

/** A label: ≥ 64 px, its colour, its example picture (or a colour mark), its key and name. */
export function LabelButton({
  order,
  index,
  pressed,
  onClick,
  small,
  model,
}: {
  order: Assignment['order'];
  index: number;
  pressed: boolean;
  onClick: () => void;
  small?: boolean;
  /** The model proposed this label: its robot mark. */
  model?: Suggestion | null;
}) {
  const l = order.labels[index];
  const key = hotkeyOf(order.labels, index);
  const thumb = labelThumb(order, l);
  return (
    <button
      type="button"
      class={'label-btn' + (pressed ? ' on' : '') + (small ? ' small' : '') + (model ? ' model' : '')}
      style={{ '--c': l.colour }}
      aria-pressed={pressed}
      aria-keyshortcuts={key ?? undefined}
      data-testid="label-btn"
      data-key={l.key}
      data-model={model ? 'true' : undefined}
      onClick={onClick}
    >
      {model && <ModelBadge s={model} small />}
      {key && (
        <kbd class="label-key" aria-hidden="true">
          {key.toUpperCase()}
        </kbd>
      )}
      {thumb ? <img class="label-thumb" src={thumb} alt="" /> : <span class="label-mark" aria-hidden="true" />}
      <span class="label-name">{labelName(l)}</span>
      {pressed && <Icon name="check" size={22} />}
      {key && <span class="sr-only">{t('hotkey_is', { key })}</span>}
    </button>
  );
}

const SKIPS: { reason: SkipReason; icon: 'eyeOff' | 'help' | 'imageOff' }[] = [
  { reason: 'unclear', icon: 'eyeOff' },
  { reason: 'cannot_judge', icon: 'help' },
  { reason: 'broken_file', icon: 'imageOff' },
];

function SkipArea({
  open,
  setOpen,
  onSkip,
  onAsk,
  askInReasons,
}: {
  open: boolean;
  setOpen: (o: boolean) => void;
  given: Given | undefined;
  onSkip: (r: SkipReason) => void;
  onAsk: () => void;
  /** Where the row is full (the box editor): the ask button shows with the skip reasons. */
  askInReasons?: boolean;
}) {
  const askButton = (
    <button type="button" class="btn btn-plain btn-ask" data-testid="ask" title={t('ask_title')} onClick={onAsk}>
      <Icon name="message" />
      <span>{t('ask')}</span>
    </button>
  );
  if (!open)
    return (
      <>
        <button type="button" class="btn btn-plain btn-skip" data-testid="skip" aria-expanded="false" onClick={() => setOpen(true)}>
          <Icon name="skip" />
          <span>{t('skip')}</span>
        </button>
        {!askInReasons && askButton}
      </>
    );
  return (
    <div class="skip-reasons" role="group" aria-label={t('skip_why')} data-testid="skip-reasons">
      {SKIPS.map((s) => (
        <button
          type="button"
          key={s.reason}
          class="btn btn-secondary skip-reason"
          data-testid={'skip-' + s.reason}
          onClick={() => onSkip(s.reason)}
        >
          <Icon name={s.icon} size={28} />
          <span>{t(('skip_' + s.reason) as 'skip_unclear')}</span>
        </button>
      ))}
      {askInReasons && askButton}
      <button type="button" class="btn btn-plain btn-icon" aria-label={t('cancel')} onClick={() => setOpen(false)}>
        <Icon name="x" />
      </button>
    </div>
  );
}

/** The boxes of a box order's suggestion (none when there is no suggestion). */
function sugBoxes(sug: Suggestion | null): Box[] {
  return sug && 'boxes' in sug.answer && Array.isArray(sug.answer.boxes) ? sug.answer.boxes : [];
}
