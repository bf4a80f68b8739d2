// The question, always in view on the work screen's first line: its words, its example
// picture (or the task's icon), and a speaker that plays the order's recording when there is
// one, else reads the words with the browser's voice, else (many cheap phones and PCs have no
// Chinese voice) plays speech the server makes (espeak-ng). Only where the server cannot speak
// either does the speaker grey out, and a tap says why: the words are on screen either way.

import { useEffect, useRef, useState } from 'preact/hooks';
import { getLang, t } from '../../i18n';
import { Icon, type IconName } from '../../components/Icon';
import { speak, stopSpeaking, useCanSpeak } from '../../work/speech';
import type { OrderBrief } from '../../work/types';
import { labelName } from './common';

let nextId = 0;

const TASK_ICON: Record<string, IconName> = {
  single_choice: 'tag',
  text_classification: 'text',
  multi_label: 'list',
  bbox: 'box',
  template: 'clipboard',
};

/** The first sentence of a text (up to 。！？!? or a line break), trimmed. */
export function firstSentence(text: string): string {
  const s = text.trim();
  const m = /^[\s\S]*?[。！？!?\n]/.exec(s);
  const one = (m ? m[0] : s).replace(/[。！？!?\n]$/, '').trim();
  return one || s;
}

/** The order's question: the first sentence of its instructions, or else its template's first
 * question, or else a short default for its kind of work. */
export function questionText(order: OrderBrief): string {
  if (order.instructions?.trim()) return firstSentence(order.instructions);
  const q = order.template?.questions[0];
  const lang = getLang();
  if (q) return (lang === 'en' ? q.title_en || q.title_zh : q.title_zh) || t('q_default');
  return order.task_type === 'bbox' ? t('q_default_boxes') : t('q_default');
}

/** What the speaker says: the question, then the labels' names (someone who cannot read them
 * hears the choices). */
export function questionSpeech(order: OrderBrief): string {
  const names = order.labels.map((l) => labelName(l)).filter(Boolean);
  return [questionText(order), names.join('、')].filter(Boolean).join('。');
}

/** The recording of an order's question, when the server gives one. */
export function recordingOf(order: OrderBrief): string | null {
  return order.audio_url ?? null;
}

/** Speech made on the server for `text` (for a browser without a voice). */
export function serverSpeechUrl(text: string, lang: string): string {
  const l = lang === 'en' ? 'en' : 'zh';
  return `/api/v1/speech?lang=${l}&text=${encodeURIComponent(text.slice(0, 300))}`;
}

/** Set once the server answered it cannot speak: speakers grey out from then on. */
let serverMute = false;

/** A speaker for a question: the recording, else the voice, else the server's speech, else
 * greyed with the reason. */
export function QuestionSpeaker({ text, audio, testid }: { text: string; audio?: string | null; testid?: string }) {
  const lang = getLang();
  const voice = useCanSpeak(lang);
  const [mute, setMute] = useState(serverMute);
  const server = !audio && !voice && !mute && text.trim() ? serverSpeechUrl(text, lang) : null;
  const source = audio ?? server;
  const [on, setOn] = useState(false);
  const [why, setWhy] = useState(false);
  const player = useRef<HTMLAudioElement | null>(null);
  const whyId = useRef(`speak-why-${++nextId}`).current;
  useEffect(
    () => () => {
      stopSpeaking();
      player.current?.pause();
    },
    [],
  );
  useEffect(() => {
    if (!why) return;
    const id = setTimeout(() => setWhy(false), 5000);
    return () => clearTimeout(id);
  }, [why]);
  const can = !!source || voice;
  const stop = () => {
    stopSpeaking();
    player.current?.pause();
    setOn(false);
  };
  const play = () => {
    if (!can) {
      setWhy((w) => !w);
      return;
    }
    if (on) return stop();
    setOn(true);
    if (source) {
      const a = player.current ?? new Audio();
      player.current = a;
      a.src = source;
      a.onended = () => setOn(false);
      a.onerror = () => {
        // the recording did not play: the voice, if there is one
        if (voice) speak(text, lang, () => setOn(false));
        else {
          setOn(false);
          if (source === server) {
            // the server cannot speak: grey, and say why
            serverMute = true;
            setMute(true);
            setWhy(true);
          }
        }
      };
      try {
        const p = a.play();
        if (p) p.catch(() => a.onerror?.(new Event('error')));
      } catch {
        a.onerror?.(new Event('error'));
      }
      return;
    }
    speak(text, lang, () => setOn(false));
  };
  return (
    <span class="q-speaker">
      <button
        type="button"
        class={'btn btn-plain btn-icon speak-btn' + (can ? '' : ' speak-off')}
        data-testid={testid ?? 'question-speak'}
        data-source={audio ? 'recording' : voice ? 'voice' : server ? 'server' : 'none'}
        aria-pressed={can ? on : undefined}
        aria-label={!can ? t('speak_none_label') : on ? t('stop_reading') : t('read_aloud')}
        aria-describedby={why ? whyId : undefined}
        onClick={play}
      >
        <Icon name="speaker" />
      </button>
      {why && (
        <span class="speak-why" id={whyId} role="status" data-testid="speak-why">
          {t('speak_none')}
        </span>
      )}
    </span>
  );
}

/** The question line: speaker, picture or icon, the words; "?" (in the bar) opens the rest. */
export function QuestionLine({ order }: { order: OrderBrief }) {
  const text = questionText(order);
  const pics = order.instruction_examples
    .map((id) => order.examples?.find((e) => e.item_id === id)?.thumb_url)
    .filter((u): u is string => !!u)
    .slice(0, 2);
  return (
    <div class="question-line" data-testid="question">
      <QuestionSpeaker text={questionSpeech(order)} audio={recordingOf(order)} />
      {pics.length ? (
        pics.map((u) => <img key={u} class="question-pic" src={u} alt={t('fb_example')} />)
      ) : (
        <span class="question-icon" aria-hidden="true">
          <Icon name={TASK_ICON[order.task_type] ?? 'help'} />
        </span>
      )}
      <p class="question-text" data-testid="question-text">
        {text}
      </p>
    </div>
  );
}
