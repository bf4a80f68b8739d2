// The workbench for a template order: the item's fields laid out as the template says (one,
// side by side, swipe between two pictures, stacked) and its questions, each drawn by its
// kind (src/kinds/). A phone (≤ 600 px) asks one question at a time with a dot per question;
// a laptop shows them all. Conditions show and hide questions as answers change; answers of
// questions no longer asked are dropped before the answer is given. The client's order form
// shows this same component as its preview.

import type { ComponentChildren } from 'preact';
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { getLang, t, type Lang } from '../../i18n';
import { Icon } from '../../components/Icon';
import { kindOf } from '../../kinds';
import { boxControls } from '../../kinds/boxes/controls';
import {
  askedQuestions,
  cleanAnswer,
  fieldsOfItem,
  hotkeyTable,
  problems,
  readAloudText,
  stepAfterAnswer,
  stepper,
} from '../../kinds/template';
import { fieldTitle, questionTitle, required, type FormAnswer, type Problem, type Question, type Template } from '../../kinds/types';
import { keyAction, keyForControl } from '../../work/hotkeys';
import { QuestionSpeaker } from './Question';
import { ModelBadge, SuggestionBar, YoursBar } from './Suggestion';
import { sameAnswer } from '../../work/unit';
import type { Suggestion } from '../../work/types';
import { shownKind, useSyncedScroll, WordsBody } from '../../llm/Words';
import { shownOrder } from '../../kinds/pairwise/order';
import { lazy, Suspense } from 'preact/compat';
import { seriesSha } from '../../medical/volume';

// the medical viewer is loaded only when an item has a series field
const LazyViewer = lazy(() => import('../../medical/Viewer').then((m) => ({ default: m.Viewer })));
function SeriesViewer(p: { sha: string; lang: Lang; keys: boolean }) {
  return (
    <Suspense fallback={<p class="loading">{t('loading', {}, p.lang)}</p>}>
      <LazyViewer sha={p.sha} lang={p.lang} keys={p.keys} />
    </Suspense>
  );
}

export type TemplateItem = Parameters<typeof fieldsOfItem>[1];

/** Whether the screen is a phone's (≤ 600 px wide), kept up to date. */
export function useNarrow(force?: boolean): boolean {
  const query = typeof window !== 'undefined' && typeof window.matchMedia === 'function' ? window.matchMedia('(max-width: 600px)') : null;
  const [narrow, setNarrow] = useState(() => query?.matches ?? false);
  useEffect(() => {
    if (!query) return;
    const f = () => setNarrow(query.matches);
    query.addEventListener?.('change', f);
    return () => query.removeEventListener?.('change', f);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);
  return force ?? narrow;
}

export function problemText(p: Problem, lang: Lang): string {
  return t(p.key, p.vars ?? {}, lang);
}

export function TemplateForm({
  template,
  item,
  initial,
  onSubmit,
  footer,
  narrow: forceNarrow,
  keys = true,
  onBack,
  onHelp,
  idPrefix = 'q',
  seed = '',
  nameSides = false,
  suggestion,
  hadSuggestion = false,
  onClearSuggestion,
  submitLabel,
}: {
  template: Template;
  item: TemplateItem;
  initial?: FormAnswer | null;
  onSubmit: (answer: FormAnswer) => void;
  footer?: ComponentChildren;
  /** Force the phone's (true) or the laptop's (false) layout; else by the screen's width. */
  narrow?: boolean;
  /** Listen to the keyboard (off in a preview beside a form being typed in). */
  keys?: boolean;
  onBack?: () => void;
  onHelp?: () => void;
  idPrefix?: string;
  /** Who answers which item: a pairwise question shows its two answers in an order of its own
   * for each (user, item), the same every time. */
  seed?: string;
  /** Say which field each side (A, B) is: for a client marking gold, never an annotator. */
  nameSides?: boolean;
  /** A model's suggestion the form opened with (in `initial`): each question still answered
   * as the model did carries its mark. */
  suggestion?: Suggestion | null;
  /** The item showed a suggestion (since cleared, or changed): the bar's place is kept. */
  hadSuggestion?: boolean;
  /** Start from nothing (the form opens again without the suggestion). */
  onClearSuggestion?: () => void;
  /** The give button's words (an expert's "make this final"); default "done". */
  submitLabel?: string;
}) {
  const lang = getLang();
  const narrow = useNarrow(forceNarrow);
  const [answers, setAnswers] = useState<FormAnswer>(() => ({ ...(initial ?? {}) }));
  const [step, setStep] = useState(0);
  const [shown, setShown] = useState(0);
  const [tried, setTried] = useState(false);
  const fields = useMemo(() => fieldsOfItem(template, item), [template, item]);
  const asked = askedQuestions(template, cleanAnswer(template, answers));
  const ps = problems(template, answers);
  const st = stepper(template, answers, step);
  const complete = Object.keys(ps).length === 0;
  // the questions whose answer is still the model's
  const sugAnswer = (suggestion?.answer ?? null) as Record<string, unknown> | null;
  const modelHas = (key: string) => !!sugAnswer && sugAnswer[key] !== undefined && sameAnswer(answers[key], sugAnswer[key]);
  const modelStands = !!sugAnswer && Object.keys(sugAnswer).some(modelHas);
  // the questions shown before this answer: a new one slides in
  const seen = useRef(new Set(asked.map((q) => q.key)));
  const fresh = asked.filter((q) => !seen.current.has(q.key)).map((q) => q.key);
  useEffect(() => {
    for (const q of asked) seen.current.add(q.key);
  });
  const ref = useRef({ answers, step, narrow });
  ref.current = { answers, step, narrow };

  const setAnswer = (q: Question, v: unknown, fromTap = false) => {
    const next = { ...ref.current.answers };
    if (v === undefined) delete next[q.key];
    else next[q.key] = v;
    ref.current = { ...ref.current, answers: next };
    setAnswers(next);
    if (ref.current.narrow && fromTap) {
      const s = stepAfterAnswer(template, next, q.key, ref.current.step);
      ref.current.step = s;
      setStep(s);
    }
  };

  // once given, this item's form takes no more keys or taps (the next item's form is coming:
  // a key pressed meanwhile must not answer it with this one's answers)
  const given = useRef(false);
  const submit = () => {
    if (given.current) return;
    const a = ref.current.answers;
    const p = problems(template, a);
    if (Object.keys(p).length) {
      setTried(true);
      const first = askedQuestions(template, cleanAnswer(template, a)).findIndex((q) => p[q.key]);
      if (ref.current.narrow && first >= 0) setStep(first);
      setTimeout(() => document.querySelector<HTMLElement>('.q-card.has-problem input, .q-card.has-problem button')?.focus(), 0);
      return;
    }
    given.current = keys;
    onSubmit(cleanAnswer(template, a));
  };
  const next = () => {
    const s = stepper(template, ref.current.answers, ref.current.step);
    if (!s.canNext) {
      setTried(true);
      return;
    }
    if (s.last) submit();
    else setStep(s.index + 1);
  };
  const back = () => setStep((i) => Math.max(0, Math.min(i, st.list.length - 1) - 1));

  // keys: each option's hotkey (the whole template's are distinct), 1–9 for the current
  // question's options when it has none of its own, Enter (next / give), ← back, F1 help,
  // Space flips a swipe; a chosen box takes Delete, arrows and Ctrl+Z
  useEffect(() => {
    if (!keys) return;
    const f = (ev: KeyboardEvent) => {
      if (given.current) return;
      const target = ev.target as HTMLElement | null;
      const tag = target?.tagName;
      // a text field keeps its keys (Enter in a one-line field still moves on); a slider its
      // arrows; the rest work after any control
      const typing = keyForControl(target, ev.key);
      if (typing && !(ev.key === 'Enter' && tag === 'INPUT')) return;
      if (document.querySelector('[role="dialog"]')) return;
      const cur = ref.current;
      const nowAsked = askedQuestions(template, cleanAnswer(template, cur.answers));
      const s = stepper(template, cur.answers, cur.step);
      const current = cur.narrow ? s.list[s.index] : nowAsked.find((q) => problems(template, cur.answers)[q.key] || cur.answers[q.key] === undefined) ?? nowAsked[nowAsked.length - 1];
      // a box question on screen takes the keys a box editor knows first
      const boxQ = (cur.narrow ? [current] : nowAsked).find((q) => q && kindOf(q.kind)?.needsImage);
      const control = boxQ ? boxControls.get(boxQ.key)?.current : null;
      const a = keyAction(ev, { task: 'bbox', labels: [], boxSelected: control?.hasSelection() ?? false });
      const drawing = control as (typeof control & { wantsEnter?(): boolean; char?(k: string): boolean }) | null | undefined;
      if (a && control && (['delete', 'nudge', 'undo', 'redo', 'escape'].includes(a.type) || (a.type === 'confirm' && drawing?.wantsEnter?.())) && control.key(a)) {
        ev.preventDefault();
        return;
      }
      // Ctrl+Z: the current question's own undo (a ranking takes its last place back)
      if ((ev.ctrlKey || ev.metaKey) && !ev.altKey && ev.key.toLowerCase() === 'z' && current) {
        const v = kindOf(current.kind)?.key?.(current, cur.answers[current.key], 'undo', seed);
        if (v !== undefined) {
          ev.preventDefault();
          setAnswer(current, v === null ? undefined : v, true);
          return;
        }
      }
      if (ev.ctrlKey || ev.metaKey || ev.altKey) return;
      if (ev.key === 'Enter') {
        ev.preventDefault();
        if (cur.narrow) next();
        else submit();
        return;
      }
      if (ev.key === 'F1' || ev.key === '?') {
        if (onHelp) {
          ev.preventDefault();
          onHelp();
        }
        return;
      }
      if (ev.key === ' ' && template.layout === 'swipe' && tag !== 'BUTTON') {
        ev.preventDefault();
        setShown((x) => (x + 1) % Math.max(1, fields.length));
        return;
      }
      if ((ev.key === 'ArrowLeft' || ev.key === 'Backspace') && !typing) {
        if (cur.narrow && s.index > 0) back();
        else onBack?.();
        ev.preventDefault();
        return;
      }
      if (ev.key === 'ArrowRight' && cur.narrow && !typing) {
        next();
        ev.preventDefault();
        return;
      }
      if (ev.key.length !== 1 || typing) return;
      const k = ev.key.toLowerCase();
      // a kind's own keys (a pairwise question's 1–4) on the current question
      const own = current && kindOf(current.kind)?.key;
      if (current && own) {
        const v = own(current, cur.answers[current.key], k, seed);
        if (v !== undefined) {
          ev.preventDefault();
          // null: the key took the answer back (a ranking's last place)
          setAnswer(current, v === null ? undefined : v, true);
          return;
        }
      }
      const table = hotkeyTable(cur.narrow ? [current] : nowAsked);
      let hit = table.get(k);
      if (!hit && current && /^[1-9]$/.test(k) && !hotkeyTable(template.questions).has(k)) {
        const opts = current.options ?? [];
        if (!opts.some((o) => o.hotkey) && opts[Number(k) - 1] && kindOf(current.kind)?.pick) hit = { q: current, option: opts[Number(k) - 1].key };
      }
      if (!hit) {
        // a drawing question's tool keys (N draw, E edit, H hole), after every option's
        if (drawing?.char?.(k)) ev.preventDefault();
        return;
      }
      ev.preventDefault();
      const kind = kindOf(hit.q.kind);
      if (kind?.needsImage) {
        boxControls.get(hit.q.key)?.current?.key({ type: 'label', key: hit.option });
        return;
      }
      const v = kind?.pick?.(hit.q, cur.answers[hit.q.key], hit.option);
      setAnswer(hit.q, v, true);
    };
    window.addEventListener('keydown', f);
    return () => window.removeEventListener('keydown', f);
  });

  const card = (q: Question, i: number) => {
    const kind = kindOf(q.kind);
    const field =
      fields.find((f) => f.def.name === q.field)?.data ??
      (kind?.needsImage ? fields.find((f) => f.def.kind === 'image')?.data : kind?.needsSeries ? fields.find((f) => f.def.kind === 'series')?.data : undefined);
    const problem = (tried || (answers[q.key] !== undefined && q.kind !== 'text')) && ps[q.key] ? ps[q.key] : null;
    const title = questionTitle(q, lang);
    const id = `${idPrefix}-${q.key}`;
    return (
      <section
        key={q.key}
        class={'q-card' + (fresh.includes(q.key) ? ' q-new' : '') + (problem ? ' has-problem' : '') + (answers[q.key] !== undefined ? ' answered' : '') + (suggestion && modelHas(q.key) ? ' model' : '')}
        data-testid="q-card"
        data-question={q.key}
        data-kind={q.kind}
        aria-labelledby={id + '-title'}
      >
        <header class="q-head">
          {kind && <Icon name={kind.icon} size={22} />}
          <h2 class="q-title" id={id + '-title'}>
            {narrow ? '' : <span class="q-num">{i + 1}. </span>}
            {title}
            {!required(q) && <span class="q-optional">{t('q_optional')}</span>}
          </h2>
          {suggestion && modelHas(q.key) && <ModelBadge s={suggestion} small />}
          <QuestionSpeaker text={readAloudText(q, lang)} audio={(q as { audio_url?: string | null }).audio_url} testid="q-speak" />
        </header>
        {kind ? (
          <kind.Editor q={q} value={answers[q.key]} onChange={(v) => setAnswer(q, v, true)} field={field} fields={fields.map((f) => f.data)} lang={lang} problem={problem} id={id} seed={seed} />
        ) : (
          <p class="field-error">{t('q_unknown_kind', { kind: q.kind })}</p>
        )}
        {problem && (
          <p class="field-error q-problem" role="alert" data-testid="q-problem">
            <Icon name="alert" size={18} />
            <span>{problemText(problem, lang)}</span>
          </p>
        )}
      </section>
    );
  };

  const cur = st.list[st.index];
  return (
    <div class={'tpl' + (narrow ? ' tpl-phone' : ' tpl-laptop') + ' tpl-' + (template.layout ?? 'one')} data-testid="template-form" data-narrow={narrow ? 'true' : 'false'}>
      <Fields template={template} fields={fields} shown={shown} setShown={setShown} current={narrow ? cur : undefined} narrow={narrow} seed={seed} answers={answers} nameSides={nameSides} />
      <div class="tpl-questions">
        {suggestion && modelStands && onClearSuggestion ? (
          <SuggestionBar s={suggestion} onAccept={complete ? submit : undefined} onClear={onClearSuggestion} acceptKey={!narrow} />
        ) : (
          hadSuggestion && <YoursBar />
        )}
        {narrow && (
          <ol class="q-dots" aria-label={t('q_progress', { i: st.index + 1, n: st.list.length })} data-testid="q-dots">
            {st.list.map((q, i) => (
              <li key={q.key}>
                <button
                  type="button"
                  class={'q-dot' + (i === st.index ? ' on' : '') + (answers[q.key] !== undefined && !ps[q.key] ? ' done' : '')}
                  aria-current={i === st.index ? 'step' : undefined}
                  aria-label={t('q_dot', { i: i + 1, title: questionTitle(q, lang) })}
                  data-testid="q-dot"
                  onClick={() => setStep(i)}
                />
              </li>
            ))}
          </ol>
        )}
        {/* one keyed list in both layouts: a phone turned past 600 px keeps each question's editor */}
        <div class="q-list">{narrow ? (cur ? [card(cur, st.index)] : []) : asked.map((q, i) => card(q, i))}</div>
        {narrow ? (
          <div class="q-steps">
            <button type="button" class="btn btn-secondary q-back" data-testid="q-back" disabled={st.index === 0} onClick={back}>
              <Icon name="back" />
              <span>{t('q_back')}</span>
            </button>
            <button type="button" class={'btn q-next ' + (st.last ? 'btn-primary' : 'btn-secondary')} data-testid={st.last ? 'q-submit' : 'q-next'} onClick={next}>
              <Icon name={st.last ? 'check' : 'forward'} />
              <span>{st.last ? submitLabel ?? t('q_submit') : t('q_next')}</span>
            </button>
          </div>
        ) : (
          <div class="q-submit-row">
            <button type="button" class="btn btn-primary btn-confirm" data-testid="q-submit" aria-keyshortcuts="Enter" aria-disabled={!complete} onClick={submit}>
              <Icon name="check" />
              <span>{submitLabel ? (keys ? `${submitLabel} (Enter)` : submitLabel) : t('q_submit_key')}</span>
            </button>
          </div>
        )}
        {footer && <div class="work-actions">{footer}</div>}
      </div>
    </div>
  );
}

/** One field: its caption, then its picture or words. */
function FieldFigure({
  f,
  lang,
  scroll,
  side,
  named,
  seriesDrawn = false,
}: {
  f: ReturnType<typeof fieldsOfItem>[number];
  lang: Lang;
  scroll?: boolean;
  side?: 'A' | 'B';
  named?: boolean;
  /** A question draws on the series in a viewer of its own, which takes the slice keys. */
  seriesDrawn?: boolean;
}) {
  const { def, data } = f;
  const sideWord = side ? t(side === 'A' ? 'pw_side_a' : 'pw_side_b', {}, lang) : '';
  // a client marking gold sees which response each side is; an annotator sees A and B only
  const caption = side ? (named ? `${sideWord} · ${fieldTitle(def, lang) || def.name}${data.model ? ` (${data.model})` : ''}` : sideWord) : fieldTitle(def, lang);
  const kind = shownKind(def.kind, data);
  const picture = kind === 'image' && (data.screen_url || data.thumb_url);
  // a medical series: the viewer (its slices, window and level, ruler)
  const sha = def.kind === 'series' ? seriesSha(data) : null;
  if (sha) {
    return (
      <figure class="tpl-field tpl-field-series" data-testid="tpl-field" data-field={def.name} data-kind="series">
        {caption && <figcaption>{caption}</figcaption>}
        <SeriesViewer sha={sha} lang={lang} keys={!seriesDrawn} />
      </figure>
    );
  }
  return (
    <figure class={'tpl-field tpl-field-' + kind} data-testid="tpl-field" data-field={def.name} data-kind={kind} data-side={side}>
      {caption && <figcaption>{caption}</figcaption>}
      {picture ? (
        <img class="work-img" data-testid="item-img" src={data.screen_url ?? data.thumb_url ?? ''} alt={t('image_of_item')} decoding="async" draggable={false} />
      ) : scroll ? (
        <div class="md-scroll" data-testid="md-scroll" tabIndex={0} aria-label={fieldTitle(def, lang) || def.name}>
          <WordsBody kind={kind} data={data} />
        </div>
      ) : (
        <WordsBody kind={kind === 'image' ? 'text' : kind} data={data} />
      )}
    </figure>
  );
}

function Fields({
  template,
  fields,
  shown,
  setShown,
  current,
  narrow,
  seed = '',
  answers: given = {},
  nameSides = false,
}: {
  template: Template;
  fields: ReturnType<typeof fieldsOfItem>;
  shown: number;
  setShown: (f: (x: number) => number) => void;
  current?: Question;
  narrow: boolean;
  seed?: string;
  answers?: FormAnswer;
  nameSides?: boolean;
}) {
  const lang = getLang();
  const layout = template.layout ?? 'one';
  const down = useRef<[number, number] | null>(null);
  // a drawing question draws on its own copy of the picture: the field is not shown twice —
  // on a phone while that question is the one shown; on a laptop (every question at once) when
  // every question about the picture draws on it (a choice about it still wants it beside)
  const about = (q: Question) => q.field ?? fields[0]?.def.name;
  const draws = (q: Question) => !!kindOf(q.kind)?.needsImage || !!kindOf(q.kind)?.needsSeries;
  const drawn = (name: string) => {
    if (current) return draws(current) && about(current) === name;
    if (narrow) return false;
    const on = template.questions.filter((q) => about(q) === name);
    return on.length > 0 && on.every(draws);
  };
  let list = fields;
  if (layout === 'swipe') list = [fields[shown % Math.max(1, fields.length)]].filter(Boolean);
  else if (layout === 'one' && fields.length > 1) {
    const want = current?.field;
    list = [fields.find((f) => f.def.name === want) ?? fields[shown % fields.length]];
  }
  // an LLM's item (a conversation, answers in Markdown): every field shows, the prompt over
  // the answers; the answers side by side on a wide screen in a side-by-side template,
  // scrolling together
  const llm = fields.some((f) => f.def.kind === 'conversation' || f.def.kind === 'markdown');
  let answers = llm ? fields.filter((f) => shownKind(f.def.kind, f.data) === 'markdown') : [];
  // a pairwise question: its two answers first, in this annotator's order, as A and B
  const pq = template.questions.find((q) => q.kind === 'pairwise');
  const prev = pq ? (given[pq.key] as { shown?: string[] } | undefined)?.shown : undefined;
  const order: string[] = pq ? (Array.isArray(prev) && prev.length === 2 ? prev : shownOrder(pq, seed)) : [];
  if (order.length) {
    const pick = order.map((n) => answers.find((f) => f.def.name === n)).filter((f): f is (typeof answers)[number] => !!f);
    answers = [...pick, ...answers.filter((f) => !order.includes(f.def.name))];
  }
  const sideOf = (name: string): 'A' | 'B' | undefined => (order[0] === name ? 'A' : order[1] === name ? 'B' : undefined);
  const side = layout === 'side_by_side' && !narrow && answers.length >= 2;
  const pair = useSyncedScroll(side, [fields]);
  if (llm) {
    const rest = fields.filter((f) => !answers.includes(f) && !drawn(f.def.name));
    return (
      <div class="tpl-fields tpl-llm" data-testid="tpl-fields" data-layout={layout}>
        {rest.map((f) => (
          <FieldFigure key={f.def.name} f={f} lang={lang} />
        ))}
        {answers.length > 0 && (
          <div class={'llm-pair' + (side ? ' llm-side' : '')} ref={pair} data-testid="llm-pair" data-side={side ? 'true' : 'false'}>
            {answers.map((f) => (
              <FieldFigure key={f.def.name} f={f} lang={lang} scroll side={sideOf(f.def.name)} named={nameSides} />
            ))}
          </div>
        )}
      </div>
    );
  }
  list = list.filter((f) => !drawn(f.def.name));
  if (!list.length) return null;
  const swipe = layout === 'swipe';
  return (
    <div class="tpl-fields" data-testid="tpl-fields" data-layout={layout}>
      {/* the pictures take a sideways swipe (the page still scrolls up and down); the button
          to flip is outside, so a tap on it is a plain tap */}
      <div
        class={'tpl-field-list' + (swipe ? ' tpl-swipe-area' : '')}
        onPointerDown={swipe ? (e) => (down.current = [e.clientX, e.clientY]) : undefined}
        onPointerCancel={swipe ? () => (down.current = null) : undefined}
        onPointerUp={
          swipe
            ? (e) => {
                const d = down.current;
                down.current = null;
                if (d && Math.abs(e.clientX - d[0]) > 40 && Math.abs(e.clientX - d[0]) > Math.abs(e.clientY - d[1])) setShown((x) => x + 1);
              }
            : undefined
        }
      >
        {list.map((f) => (
          <FieldFigure key={f.def.name} f={f} lang={lang} seriesDrawn={template.questions.some((q) => about(q) === f.def.name && !!kindOf(q.kind)?.needsSeries)} />
        ))}
      </div>
      {(swipe || (layout === 'one' && fields.length > 1 && !current?.field)) && (
        <button type="button" class="btn btn-secondary tpl-flip" data-testid="tpl-flip" aria-keyshortcuts="Space" onClick={() => setShown((x) => x + 1)}>
          <Icon name="swap" />
          <span>{t('q_flip', { name: fieldTitle(fields[(shown + 1) % fields.length].def, lang) || String(((shown + 1) % fields.length) + 1) })}</span>
        </button>
      )}
    </div>
  );
}
