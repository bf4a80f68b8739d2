import type { BoxControl } from '../../pages/work/BoxEditor';

/** The box editors on screen by question key: the template form sends them class hotkeys,
 * Delete, arrows and undo. */
export const boxControls = new Map<string, { current: BoxControl | null }>();
