// A conversation field: the chat turns of an LLM prompt (system / user / assistant), each
// marked by an icon (its role's name for screen readers) and its words drawn as Markdown.

import { Icon, type IconName } from '../components/Icon';
import { t } from '../i18n';
import { Markdown } from './Markdown';

export interface Turn {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

/** A conversation field's text (a JSON list of turns); a text that is not one is one user turn. */
export function parseTurns(text: string | null | undefined): Turn[] {
  if (!text) return [];
  try {
    const v = JSON.parse(text);
    if (Array.isArray(v))
      return v
        .filter((m) => m && typeof m.content === 'string')
        .map((m) => ({ role: m.role === 'system' || m.role === 'assistant' ? m.role : 'user', content: m.content }));
  } catch {
    // not JSON: shown as it is
  }
  return [{ role: 'user', content: text }];
}

const ICON: Record<Turn['role'], IconName> = { user: 'user', assistant: 'bot', system: 'info' };
const WHO = { user: 'chat_user', assistant: 'chat_assistant', system: 'chat_system' } as const;

export function Conversation({ text }: { text: string | null | undefined }) {
  const turns = parseTurns(text);
  return (
    <ol class="chat" data-testid="chat">
      {turns.map((m, i) => (
        <li key={i} class={'chat-turn chat-' + m.role} data-testid="chat-turn" data-role={m.role}>
          <span class="chat-who" role="img" aria-label={t(WHO[m.role])} title={t(WHO[m.role])}>
            <Icon name={ICON[m.role]} size={20} />
          </span>
          <div class="chat-words">
            <Markdown text={m.content} testid="chat-md" />
          </div>
        </li>
      ))}
    </ol>
  );
}
