// Markdown from the data (an LLM's answer, a chat turn) as safe HTML: markdown-it with its
// HTML switched off (raw HTML in the text is shown as text), its link check (no
// `javascript:`, `vbscript:`, `file:` or `data:` links), and then DOMPurify with a short list
// of tags and attributes, so nothing from the data ever runs. Links open in a new tab with
// `rel="noopener nofollow noreferrer"`; pictures are never loaded from the data's addresses
// (an image becomes a link with its words); tables sit in a box that scrolls sideways.
// Loaded on first use (pages/work: Markdown.tsx), so the workbench's first load stays small.

import MarkdownIt from 'markdown-it';
import DOMPurify from 'dompurify';

const md = new MarkdownIt({ html: false, linkify: false, typographer: false, breaks: true });

// An image: a link to it with its alt words (nothing fetched until the annotator asks).
md.renderer.rules.image = (tokens, idx, _opts, env, self) => {
  const tok = tokens[idx];
  const src = tok.attrGet('src') ?? '';
  const alt = self.renderInlineAsText(tok.children ?? [], _opts, env) || src;
  return `<a href="${md.utils.escapeHtml(src)}">🖼 ${md.utils.escapeHtml(alt)}</a>`;
};
md.renderer.rules.table_open = () => '<div class="md-table"><table>\n';
md.renderer.rules.table_close = () => '</table></div>\n';

const ALLOWED_TAGS = [
  'a', 'b', 'blockquote', 'br', 'code', 'del', 'div', 'em', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6',
  'hr', 'i', 'li', 'ol', 'p', 'pre', 's', 'strong', 'sub', 'sup', 'table', 'tbody', 'td', 'th',
  'thead', 'tr', 'ul',
];
const ALLOWED_ATTR = ['href', 'class', 'start', 'style', 'title'];
const SAFE_LINK = /^(https?:|mailto:|#)/i;
// markdown-it writes `style="text-align:…"` on table cells; nothing else may style.
const SAFE_STYLE = /^text-align:(left|right|center)$/;

let hooked = false;
function hook() {
  if (hooked) return;
  hooked = true;
  DOMPurify.addHook('afterSanitizeAttributes', (node) => {
    if (node.tagName === 'A') {
      const href = node.getAttribute('href') ?? '';
      if (!SAFE_LINK.test(href.trim())) node.removeAttribute('href');
      node.setAttribute('target', '_blank');
      node.setAttribute('rel', 'noopener nofollow noreferrer');
    }
    const style = node.getAttribute?.('style');
    if (style != null && !SAFE_STYLE.test(style.replace(/\s|;$/g, ''))) node.removeAttribute('style');
    const cls = node.getAttribute?.('class');
    if (cls != null && !(node.tagName === 'DIV' && cls === 'md-table') && !/^language-[\w+-]{1,30}$/.test(cls)) node.removeAttribute('class');
  });
}

/** The Markdown `src` as sanitised HTML (a string to put in the page). */
export function renderMarkdown(src: string): string {
  hook();
  const html = md.render(src ?? '');
  return DOMPurify.sanitize(html, { ALLOWED_TAGS, ALLOWED_ATTR: [...ALLOWED_ATTR, 'target', 'rel'], ALLOW_DATA_ATTR: false });
}
