// A Markdown text from the data, shown safely (see markdown.ts: no HTML of the data's own,
// no script, no picture fetched). The renderer is loaded on first use; until then the words
// show as plain text.

import { useEffect, useState } from 'preact/hooks';

type Render = (src: string) => string;
let render: Render | null = null;
let pending: Promise<Render> | null = null;

/** Loads the renderer (once); resolves when Markdown can be drawn. */
export function loadMarkdown(): Promise<Render> {
  if (render) return Promise.resolve(render);
  pending ??= import('./markdown').then(
    (m) => (render = m.renderMarkdown),
    (e) => {
      pending = null;
      throw e;
    },
  );
  return pending;
}

export function Markdown({ text, testid = 'md' }: { text: string; testid?: string }) {
  const [r, setR] = useState<Render | null>(() => render);
  useEffect(() => {
    if (r) return;
    let alive = true;
    loadMarkdown().then(
      (f) => alive && setR(() => f),
      () => {},
    );
    return () => {
      alive = false;
    };
  }, [r]);
  if (!r)
    return (
      <div class="md md-plain" data-testid={testid}>
        {text}
      </div>
    );
  // eslint-disable-next-line react/no-danger -- sanitised by markdown.ts (markdown-it without HTML, then DOMPurify)
  return <div class="md" data-testid={testid} data-md="ready" dangerouslySetInnerHTML={{ __html: r(text) }} />;
}
