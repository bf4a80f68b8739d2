// Keys on the work screen: number keys (or the order's own hotkeys) pick a label, Enter
// confirms, ← goes back, → forward, Delete removes the chosen box, arrows nudge it, Ctrl+Z undoes.

import type { LabelDef, TaskType } from './types';

export type KeyAction =
  | { type: 'label'; key: string }
  | { type: 'confirm' }
  | { type: 'back' }
  | { type: 'forward' }
  | { type: 'delete' }
  | { type: 'escape' }
  | { type: 'help' }
  | { type: 'nudge'; dx: number; dy: number }
  | { type: 'undo' }
  | { type: 'redo' };

/** The key that picks a label: its own hotkey, or when no label of the order has one, its
 * position (1–9). */
export function hotkeyOf(labels: LabelDef[], index: number): string | null {
  const own = labels[index]?.hotkey;
  if (own) return own.toLowerCase();
  if (labels.some((l) => l.hotkey)) return null;
  return index < 9 ? String(index + 1) : null;
}

export interface KeyContext {
  task: TaskType;
  labels: LabelDef[];
  /** A box is chosen (box orders): arrows move it, Delete removes it. */
  boxSelected?: boolean;
}

export interface KeyLike {
  key: string;
  shiftKey?: boolean;
  ctrlKey?: boolean;
  metaKey?: boolean;
  altKey?: boolean;
}

/** What a key press means on the work screen; null leaves the key to the browser. */
export function keyAction(ev: KeyLike, ctx: KeyContext): KeyAction | null {
  const k = ev.key;
  if ((ev.ctrlKey || ev.metaKey) && !ev.altKey && k.toLowerCase() === 'z') return { type: ev.shiftKey ? 'redo' : 'undo' };
  if ((ev.ctrlKey || ev.metaKey) && !ev.altKey && k.toLowerCase() === 'y') return { type: 'redo' };
  if (ev.ctrlKey || ev.metaKey || ev.altKey) return null;
  if (k === 'Enter') return { type: 'confirm' };
  if (k === 'Escape') return { type: 'escape' };
  if (k === 'F1' || k === '?') return { type: 'help' };
  if (ctx.task === 'bbox' && ctx.boxSelected) {
    const step = ev.shiftKey ? 10 : 1;
    if (k === 'Delete' || k === 'Backspace') return { type: 'delete' };
    if (k === 'ArrowLeft') return { type: 'nudge', dx: -step, dy: 0 };
    if (k === 'ArrowRight') return { type: 'nudge', dx: step, dy: 0 };
    if (k === 'ArrowUp') return { type: 'nudge', dx: 0, dy: -step };
    if (k === 'ArrowDown') return { type: 'nudge', dx: 0, dy: step };
  }
  if (k === 'ArrowLeft' || k === 'PageUp') return { type: 'back' };
  if (k === 'ArrowRight' || k === 'PageDown') return { type: 'forward' };
  if (k === 'Backspace' && ctx.task !== 'bbox') return { type: 'back' };
  if (k.length === 1) {
    const lower = k.toLowerCase();
    const i = ctx.labels.findIndex((_, j) => hotkeyOf(ctx.labels, j) === lower);
    if (i >= 0) return { type: 'label', key: ctx.labels[i].key };
  }
  return null;
}

/** Whether a key pressed on `el` belongs to that control rather than to the work screen:
 * typing in a text field or a list, a slider's arrows, a tick box's space. Everything else
 * goes to the work, whichever control was touched last (a brightness slider keeps the
 * focus after a drag, and the number keys and Enter must still work). */
export function keyForControl(el: EventTarget | null, key: string): boolean {
  const e = el as HTMLElement | null;
  if (!e || typeof e.tagName !== 'string') return false;
  const tag = e.tagName;
  if (tag === 'TEXTAREA' || tag === 'SELECT' || e.isContentEditable) return true;
  if (tag !== 'INPUT') return false;
  const type = (e as HTMLInputElement).type;
  if (type === 'range') return /^(Arrow|Home$|End$|Page)/.test(key);
  if (type === 'checkbox' || type === 'radio' || type === 'button' || type === 'submit' || type === 'reset') return key === ' ';
  return true;
}
