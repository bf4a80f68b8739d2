// PIN pad state, kept pure so it is easy to test: digits typed, and what a key does.

export const PIN_MIN = 4;
export const PIN_MAX = 6;

export type PinAction = { type: 'digit'; digit: string } | { type: 'delete' } | { type: 'clear' };

export function pinReduce(pin: string, action: PinAction): string {
  switch (action.type) {
    case 'digit':
      if (!/^[0-9]$/.test(action.digit) || pin.length >= PIN_MAX) return pin;
      return pin + action.digit;
    case 'delete':
      return pin.slice(0, -1);
    case 'clear':
      return '';
  }
}

export function pinComplete(pin: string): boolean {
  return isValidPin(pin);
}

export function isValidPin(pin: string): boolean {
  return new RegExp(`^[0-9]{${PIN_MIN},${PIN_MAX}}$`).test(pin);
}

/** What a keyboard key means on the PIN screen, or null when it means nothing there. */
export type PinKey = PinAction | { type: 'submit' } | { type: 'cancel' };

export function pinKeyFromKeyboard(key: string): PinKey | null {
  if (/^[0-9]$/.test(key)) return { type: 'digit', digit: key };
  switch (key) {
    case 'Backspace':
    case 'Delete':
      return { type: 'delete' };
    case 'Enter':
      return { type: 'submit' };
    case 'Escape':
      return { type: 'cancel' };
    default:
      return null;
  }
}

/** How many dots to draw: at least PIN_MIN, growing with the digits typed up to PIN_MAX. */
export function dotCount(pin: string): number {
  return Math.min(PIN_MAX, Math.max(PIN_MIN, pin.length));
}
