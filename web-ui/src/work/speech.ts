// Reading aloud with the browser's own speech synthesis (zh-CN first). The speaker button is
// shown only where the browser has a voice for the language.

import { useEffect, useState } from 'preact/hooks';
import type { Lang } from '../i18n';

type Synth = Pick<SpeechSynthesis, 'getVoices' | 'speak' | 'cancel' | 'speaking'> & Partial<EventTarget>;

function synth(): Synth | null {
  const w = globalThis as { speechSynthesis?: Synth; SpeechSynthesisUtterance?: unknown };
  return w.speechSynthesis && typeof w.SpeechSynthesisUtterance === 'function' ? w.speechSynthesis : null;
}

/** The voice for a language: the exact locale first (zh-CN), else the same language. */
export function voiceFor(voices: Pick<SpeechSynthesisVoice, 'lang'>[], lang: Lang): number {
  const want = lang.toLowerCase().replace('_', '-');
  const base = want.split('-')[0];
  const norm = (v: { lang: string }) => v.lang.toLowerCase().replace('_', '-');
  const exact = voices.findIndex((v) => norm(v) === want);
  if (exact >= 0) return exact;
  return voices.findIndex((v) => norm(v).split('-')[0] === base);
}

export function canSpeak(lang: Lang): boolean {
  const s = synth();
  return !!s && voiceFor(s.getVoices(), lang) >= 0;
}

/** Whether a voice exists for `lang`; voices often arrive a moment after the page loads. */
export function useCanSpeak(lang: Lang): boolean {
  const [ok, setOk] = useState(() => canSpeak(lang));
  useEffect(() => {
    const s = synth();
    if (!s?.addEventListener) return;
    const check = () => setOk(canSpeak(lang));
    check();
    s.addEventListener('voiceschanged', check);
    return () => s.removeEventListener?.('voiceschanged', check);
  }, [lang]);
  return ok;
}

/** Speaks `text`, stopping whatever was being read; `onEnd` when it finishes or stops. */
export function speak(text: string, lang: Lang, onEnd?: () => void): void {
  const s = synth();
  if (!s) return;
  s.cancel();
  const voices = s.getVoices();
  const u = new SpeechSynthesisUtterance(text);
  u.lang = lang;
  const v = voiceFor(voices, lang);
  if (v >= 0) u.voice = voices[v];
  u.rate = 0.9;
  if (onEnd) {
    u.onend = onEnd;
    u.onerror = onEnd;
  }
  s.speak(u);
}

export function stopSpeaking(): void {
  synth()?.cancel();
}
