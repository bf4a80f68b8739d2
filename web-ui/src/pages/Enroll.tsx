// /enroll#code=XXXX: claims the code for this browser, then shows the roster on /login.

import { useEffect, useRef, useState } from 'preact/hooks';
import { api, ApiError, type DeviceInfo } from '../api';
import { t } from '../i18n';
import { enrollCodeFromHash, navigate } from '../router';
import { Icon } from '../components/Icon';
import { Button, ErrorNote, LangToggle, Note } from '../components/ui';

/** A first name for this device in the lead's list: phone or computer (the lead can tell them apart). */
export function defaultDeviceName(userAgent: string): string {
  return t(/Mobi|Android|iPhone|iPad/i.test(userAgent) ? 'device_phone' : 'device_pc');
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
      .post<DeviceInfo>('/device/claim', { code, name: defaultDeviceName(navigator.userAgent) })
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
