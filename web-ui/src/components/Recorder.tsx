// Records a read-aloud with the device's microphone (MediaRecorder): record, stop, listen,
// save. Saving PUTs the audio as it is to `path` (the server checks it by its bytes: at most
// 1 MiB and 60 s). Where the browser cannot record, it says so instead.

import { useEffect, useRef, useState } from 'preact/hooks';
import { errorFromResponse } from '../api';
import { t } from '../i18n';
import { Icon } from './Icon';
import { ErrorNote } from './ui';

/** The longest recording, ms (the server refuses longer ones). */
export const MAX_RECORD_MS = 60_000;

type Stage = { kind: 'idle' } | { kind: 'recording' } | { kind: 'recorded'; blob: Blob; url: string } | { kind: 'saving'; blob: Blob; url: string };

function canRecord(): boolean {
  const g = globalThis as { MediaRecorder?: unknown; navigator?: Navigator };
  return typeof g.MediaRecorder === 'function' && !!g.navigator?.mediaDevices?.getUserMedia;
}

export function Recorder({
  path,
  label,
  existing,
  onSaved,
  testid,
}: {
  /** Under /api/v1, e.g. `/orders/3/recordings/instructions`. */
  path: string;
  label: string;
  /** The current recording's URL, if there is one. */
  existing?: string | null;
  onSaved?: (url: string) => void;
  testid?: string;
}) {
  const [stage, setStage] = useState<Stage>({ kind: 'idle' });
  const [error, setError] = useState<unknown>(null);
  const [saved, setSaved] = useState(false);
  const rec = useRef<MediaRecorder | null>(null);
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  useEffect(
    () => () => {
      if (timer.current) clearTimeout(timer.current);
      if (rec.current?.state === 'recording') rec.current.stop();
    },
    [],
  );
  const id = testid ?? 'recorder';
  if (!canRecord())
    return (
      <p class="muted recorder" data-testid={id} data-state="none">
        <Icon name="mic" /> {label}: {t('ins_no_mic')}
      </p>
    );

  async function start() {
    setError(null);
    setSaved(false);
    try {
      const stream = await navigator.mediaDevices.getUserMedia({ audio: true });
      const r = new MediaRecorder(stream);
      const chunks: Blob[] = [];
      r.ondataavailable = (e) => {
        if (e.data.size) chunks.push(e.data);
      };
      r.onstop = () => {
        stream.getTracks().forEach((tr) => tr.stop());
        if (timer.current) clearTimeout(timer.current);
        const blob = new Blob(chunks, { type: r.mimeType || 'audio/webm' });
        setStage({ kind: 'recorded', blob, url: URL.createObjectURL(blob) });
      };
      rec.current = r;
      r.start();
      setStage({ kind: 'recording' });
      timer.current = setTimeout(() => r.state === 'recording' && r.stop(), MAX_RECORD_MS - 1000);
    } catch (e) {
      setError(e instanceof Error ? new Error(t('ins_no_mic')) : e);
    }
  }

  async function save(blob: Blob, url: string) {
    setStage({ kind: 'saving', blob, url });
    setError(null);
    try {
      const res = await fetch('/api/v1' + path, {
        method: 'PUT',
        credentials: 'same-origin',
        headers: { 'Content-Type': 'application/octet-stream', Accept: 'application/json' },
        body: blob,
      });
      if (!res.ok) throw await errorFromResponse(res);
      const out = (await res.json()) as { url: string };
      setSaved(true);
      setStage({ kind: 'idle' });
      onSaved?.(out.url);
    } catch (e) {
      setError(e);
      setStage({ kind: 'recorded', blob, url });
    }
  }

  const s = stage;
  return (
    <div class="recorder" data-testid={id} data-state={s.kind}>
      <span class="recorder-label">
        <Icon name="mic" /> {label}
        {existing && !saved && s.kind === 'idle' && <span class="muted"> · {t('ins_rec_has')}</span>}
        {saved && <span class="muted"> · {t('ins_rec_saved')}</span>}
      </span>
      <span class="btn-row">
        {s.kind === 'recording' ? (
          <button type="button" class="btn btn-primary" data-testid={`${id}-stop`} onClick={() => rec.current?.stop()}>
            <Icon name="stop" />
            <span>{t('ins_stop')}</span>
          </button>
        ) : (
          <button type="button" class="btn btn-secondary" data-testid={`${id}-record`} disabled={s.kind === 'saving'} onClick={() => void start()}>
            <Icon name="mic" />
            <span>{t('ins_record')}</span>
          </button>
        )}
        {s.kind === 'recording' && (
          <span class="muted" role="status">
            {t('ins_recording')}
          </span>
        )}
        {(s.kind === 'recorded' || s.kind === 'saving') && (
          <>
            <button type="button" class="btn btn-plain" data-testid={`${id}-play`} onClick={() => void new Audio(s.url).play().catch(() => {})}>
              <Icon name="play" />
              <span>{t('ins_play')}</span>
            </button>
            <button type="button" class="btn btn-primary" data-testid={`${id}-save`} disabled={s.kind === 'saving'} onClick={() => void save(s.blob, s.url)}>
              <Icon name="upload" />
              <span>{t('ins_save_rec')}</span>
            </button>
          </>
        )}
      </span>
      <ErrorNote error={error} />
    </div>
  );
}
