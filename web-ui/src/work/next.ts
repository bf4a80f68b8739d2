// Asking for the next unit. On PostgreSQL the server may answer `busy`: work is waiting, but
// every free item is being saved by other people's answers this very moment. That passes in
// well under a second, so the annotator is not told about it: we ask again a few times first.
import { api } from '../api';
import type { NextOut } from './types';

/** Pauses between asks while the server stays `busy`, in ms (about 4 s in all). */
export const BUSY_WAITS_MS = [250, 500, 1000, 2000];

const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** `GET /work/next`, asked again while the answer is `busy`; the last answer otherwise. */
export async function askForWork(waits: readonly number[] = BUSY_WAITS_MS): Promise<NextOut> {
  let res = await api.get<NextOut>('/work/next');
  for (const ms of waits) {
    if (res.status !== 'nothing' || res.reason !== 'busy') break;
    await pause(ms);
    res = await api.get<NextOut>('/work/next');
  }
  return res;
}
