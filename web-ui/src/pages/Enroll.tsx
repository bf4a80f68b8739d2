// /enroll#code=XXXX: claims the code for this browser, then shows the roster on /login.

import { useEffect, useRef, useState } from 'preact/hooks';
import { api, ApiError, type DeviceInfo } from '../api';
import { t } from '../i18n';
import { enrollCodeFromHash, navigate } from '../router';
import { Icon } from '../components/Icon';
import { Button, ErrorNote, LangToggle, Note } from '../components/ui';

export type DeviceKind = 'phone' | 'tablet' | 'pc';

/** What a screen says of itself beyond the user agent: touch points and its shorter side (CSS px). */
export interface ScreenHints {
  touchPoints: number;
  shortSide: number;
}

/** Phone, tablet or computer, from the user agent and the screen: a desktop-mode browser on a
 * phone or an iPad (which says "Macintosh") still has a touch screen of a phone's or tablet's size. */
export function deviceKind(userAgent: string, hints?: ScreenHints): DeviceKind {
  const ua = userAgent;
  if (/iPad|Tablet|PlayBook|Silk|Kindle|MatePad|HarmonyOS.*Pad/i.test(ua)) return 'tablet';
  if (/Mobi|iPhone|iPod|Windows Phone|Android.*Mobile/i.test(ua)) return 'phone';
  // Android without "Mobile" is a tablet.
  if (/Android/i.test(ua)) return 'tablet';
  if (hints && hints.touchPoints > 0 && hints.shortSide > 0) {
    if (hints.shortSide < 600) return 'phone';
    if (/Macintosh/i.test(ua) || hints.shortSide < 1000) return 'tablet';
  }
  return 'pc';
}

export function screenHints(): ScreenHints {
  const s = typeof screen === 'undefined' ? null : screen;
  return {
    touchPoints: typeof navigator === 'undefined' ? 0 : navigator.maxTouchPoints ?? 0,
    shortSide: s ? Math.min(s.width, s.height) : 0,
  };
}

const KIND_WORD = { phone: 'device_phone', tablet: 'device_tablet', pc: 'device_pc' } as const;

/** A first name for this device in the lead's list: phone, tablet or computer. */
export function defaultDeviceName(userAgent: string, hints?: ScreenHints): string {
  return t(KIND_WORD[deviceKind(userAgent, hints)]);
}

/** A device's kind as its name says it (the names above, in either language), for its icon. */
export function kindOfName(name: string): DeviceKind {
  if (/手机|phone/i.test(name)) return 'phone';
  if (/平板|tablet|pad/i.test(name)) return 'tablet';
  return 'pc';
}

/** The code itself was refused (unknown, used or expired), not the network or the server. */
function codeRefused(e: unknown): boolean {
  return e instanceof ApiError && e.status >= 400 && e.status < 500 && e.status !== 429;
}

export function EnrollPage() {
  const code = useRef(enrollCodeFromHash(location.hash)).current;
  const [error, setError] = useState<unknown>(null);
  const started = useRef(false);

  useEffect(() => {
    if (!code || started.current) return;
    started.current = true;
    api
      .post<DeviceInfo>('/device/claim', { code, name: defaultDeviceName(navigator.userAgent, screenHints()) })
      // replace: the code is used up, so Back should not return to it
      .then(() => navigate('/login', true))
      .catch(setError);
  }, []);

  return (
    <div class="page">
      <header class="topbar topbar-login">
        <div class="brand">
          <span class="logo" aria-hidden="true">豆</span>
          <span>{t('app_name')}</span>
        </div>
        <LangToggle />
      </header>
      <main class="narrow">
        <section class="card stack" data-testid="enroll">
          <h1>
            <Icon name="phone" />
            <span>{t('enroll_title')}</span>
          </h1>
          {!code ? (
            <Note kind="error">{t('enroll_no_code')}</Note>
          ) : codeRefused(error) ? (
            <Note kind="error">{t('enroll_failed')}</Note>
          ) : error ? (
            <ErrorNote error={error} />
          ) : (
            <p class="loading" role="status">{t('enroll_working')}</p>
          )}
          {(!code || error) && (
            <Button icon="back" label={t('go_login')} onClick={() => navigate('/login')} />
          )}
        </section>
      </main>
    </div>
  );
}
