// A short warning sound, made in the browser (no file to fetch): two falling tones. Used when
// training says the model's suggestion was wrong and was accepted as it was.

let ctx: AudioContext | null = null;

/** Plays the warning; silently nothing where the browser has no Web Audio or refuses it. */
export function warnSound(): void {
  try {
    const C = (globalThis as { AudioContext?: typeof AudioContext; webkitAudioContext?: typeof AudioContext }).AudioContext ??
      (globalThis as { webkitAudioContext?: typeof AudioContext }).webkitAudioContext;
    if (!C) return;
    ctx ??= new C();
    const a = ctx;
    if (a.state === 'suspended') void a.resume();
    const t0 = a.currentTime;
    [660, 440].forEach((hz, i) => {
      const o = a.createOscillator();
      const g = a.createGain();
      o.type = 'square';
      o.frequency.value = hz;
      const start = t0 + i * 0.18;
      g.gain.setValueAtTime(0.0001, start);
      g.gain.exponentialRampToValueAtTime(0.15, start + 0.02);
      g.gain.exponentialRampToValueAtTime(0.0001, start + 0.16);
      o.connect(g).connect(a.destination);
      o.start(start);
      o.stop(start + 0.17);
    });
  } catch {
    // no sound: the words and the icon still say it
  }
}
