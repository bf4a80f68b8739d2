// A kind's editor loaded on first use (dynamic import), so the workbench's first load carries
// only the kinds most orders use.

import type { ComponentType } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { t } from '../i18n';
import type { EditorProps } from './index';

export function lazyEditor(load: () => Promise<ComponentType<EditorProps>>): ComponentType<EditorProps> {
  let loaded: ComponentType<EditorProps> | null = null;
  let pending: Promise<ComponentType<EditorProps>> | null = null;
  return function Lazy(p: EditorProps) {
    const [C, setC] = useState<ComponentType<EditorProps> | null>(() => loaded);
    const [failed, setFailed] = useState(false);
    useEffect(() => {
      if (C) return;
      let alive = true;
      pending ??= load();
      pending.then(
        (c) => {
          loaded = c;
          if (alive) setC(() => c);
        },
        () => {
          pending = null;
          if (alive) setFailed(true);
        },
      );
      return () => {
        alive = false;
      };
    }, [C]);
    if (C) return <C {...p} />;
    return (
      <p class="loading" role="status">
        {failed ? t('err_network') : t('loading')}
      </p>
    );
  };
}
