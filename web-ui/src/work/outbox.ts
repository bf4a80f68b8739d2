// Never lose a label: every answer is written to IndexedDB before it is sent, then sent in
// order, one at a time, with its client UUID (the server stores a UUID once, so a retry after a
// lost reply is safe). Network failures and server errors are retried with backoff; a 401 waits
// for the person to log in again; a refusal (404/409/422) is dropped, and counted by what it
// means (see `refusal`). A reload or a closed tab finds the entries again and sends them.
// Entries belong to the annotator who made them: on a shared PC, another person's session
// never sends them.

import { ApiError, api } from '../api';
import { uuid } from '../util';
import type { LabelBody, LabelOut, LeaseOut } from './types';

export type EntryKind = 'label' | 'submit';

export interface OutboxEntry {
  /** The label's client UUID; for a submit, a UUID of its own. */
  id: string;
  /** Sending order (FIFO). */
  seq: number;
  user_id: number;
  kind: EntryKind;
  assignment_id: number;
  item_id: number | null;
  body: LabelBody | null;
  created_at: number;
  attempts: number;
  /** Not before this time (ms since the epoch). */
  next_at: number;
}

export type SendOutcome =
  | { kind: 'ok'; result: LabelOut | LeaseOut | null }
  | { kind: 'retry'; error: unknown }
  | { kind: 'auth' }
  | { kind: 'rejected'; code: string; message: string };

export interface OutboxStore {
  all(): Promise<OutboxEntry[]>;
  put(e: OutboxEntry): Promise<void>;
  remove(id: string): Promise<void>;
  /** False when the entries only live in memory (no IndexedDB). */
  readonly durable: boolean;
}

export type Sender = (e: OutboxEntry) => Promise<SendOutcome>;

export interface Snapshot {
  /** Entries of the current user still to send. */
  pending: number;
  /** Labels the server refused since the page opened (`unit_closed`, `uuid_reused`, …). */
  rejected: number;
  /** Labels that came after their lease ran out, for items that had all their labels by then
   * (`no_longer_needed`): not kept, and nobody's fault. */
  late: number;
  /** Whether the last attempt failed for lack of network (or server). */
  offline: boolean;
  waitingForLogin: boolean;
}

/** How an API failure is treated: try again later, wait for a login, or give up. */
export function classify(e: unknown): SendOutcome {
  if (e instanceof ApiError) {
    if (e.status === 0 || e.status >= 500 || e.status === 429 || e.status === 408) return { kind: 'retry', error: e };
    if (e.status === 401 || e.code === 'unauthenticated') return { kind: 'auth' };
    return { kind: 'rejected', code: e.code, message: e.message };
  }
  return { kind: 'retry', error: e };
}

/** What a refusal of an entry means for the person: a `late` answer (its item got enough
 * labels after the lease ran out: nothing is wrong), a `rejected` one (its unit was already
 * handed in, `unit_closed`; its UUID was used for another answer, `uuid_reused`; or it is not
 * found or not valid), or `done` (a submit for a unit that has ended: already submitted by an
 * earlier try whose reply was lost, or handed back or run out: nothing is left to do). */
export function refusal(kind: EntryKind, code: string): 'late' | 'rejected' | 'done' {
  if (kind === 'submit') return code === 'assignment_ended' ? 'done' : 'rejected';
  return code === 'no_longer_needed' ? 'late' : 'rejected';
}

/** The delay before attempt `attempts + 1`: 1 s, 2 s, 4 s … at most 30 s, ±20 % jitter. */
export function backoffMs(attempts: number, random: () => number = Math.random): number {
  const base = Math.min(30_000, 1000 * 2 ** Math.max(0, attempts - 1));
  return Math.round(base * (0.8 + 0.4 * random()));
}

/** Sends an entry through the real API. */
export const apiSender: Sender = async (e) => {
  try {
    if (e.kind === 'label' && e.body) {
      const result = await api.post<LabelOut>('/work/labels', e.body);
      return { kind: 'ok', result };
    }
    const lease = await api.post<LeaseOut>(`/work/assignments/${e.assignment_id}/submit`);
    return { kind: 'ok', result: lease ?? null };
  } catch (err) {
    const c = classify(err);
    if (c.kind === 'rejected' && refusal(e.kind, c.code) === 'done') return { kind: 'ok', result: null };
    return c;
  }
};

type Waiter = (o: SendOutcome) => void;

export class Outbox {
  private cache: OutboxEntry[] = [];
  private loaded: Promise<void> | null = null;
  private user: number | null = null;
  private inFlight: string | null = null;
  private flushing: Promise<void> | null = null;
  private again = false;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private waiters = new Map<string, Waiter[]>();
  private listeners = new Set<(s: Snapshot) => void>();
  private rejected = 0;
  private late = 0;
  private offline = false;
  private waitingForLogin = false;
  private lastSeq = 0;
  private stopped = false;
  /** Try the first entry now, whatever its backoff says (the network just came back). */
  private force = false;
  /** Entries this page removed (so a stale read of the store does not bring them back). */
  private removed = new Set<string>();

  constructor(
    private store: OutboxStore,
    private send: Sender = apiSender,
    private clock: { now: () => number; random: () => number } = { now: () => Date.now(), random: Math.random },
  ) {}

  get durable(): boolean {
    return this.store.durable;
  }

  /** Reads the stored entries (once). */
  load(): Promise<void> {
    if (!this.loaded)
      this.loaded = this.store.all().then(
        (all) => {
          this.cache = all.sort((a, b) => a.seq - b.seq);
          this.lastSeq = this.cache.reduce((m, e) => Math.max(m, e.seq), 0);
          // a new page (a reload, the tab opened again): try at once, whatever the backoff said
          this.force = this.cache.length > 0;
          this.emit();
        },
        () => {
          this.cache = [];
        },
      );
    return this.loaded;
  }

  /** Whose entries may be sent now (the logged-in annotator), or nobody. */
  setUser(id: number | null): void {
    if (this.user === id) return;
    this.user = id;
    this.waitingForLogin = false;
    this.emit();
    if (id !== null) void this.flush();
  }

  /** Entries of the current user, oldest first. */
  entries(): OutboxEntry[] {
    return this.cache.filter((e) => e.user_id === this.user);
  }

  pending(assignmentId?: number): number {
    return this.entries().filter((e) => assignmentId === undefined || e.assignment_id === assignmentId).length;
  }

  snapshot(): Snapshot {
    return {
      pending: this.pending(),
      rejected: this.rejected,
      late: this.late,
      offline: this.offline,
      waitingForLogin: this.waitingForLogin,
    };
  }

  subscribe(f: (s: Snapshot) => void): () => void {
    this.listeners.add(f);
    f(this.snapshot());
    return () => this.listeners.delete(f);
  }

  private emit() {
    const s = this.snapshot();
    this.listeners.forEach((f) => f(s));
  }

  private nextSeq(): number {
    this.lastSeq = Math.max(this.clock.now() * 1000, this.lastSeq + 1);
    return this.lastSeq;
  }

  /** Saves an answer (or skip), then starts sending. A not-yet-sent earlier answer to the same
   * item of the same unit is replaced (the person changed their mind before it left). */
  async enqueueLabel(userId: number, body: LabelBody): Promise<OutboxEntry> {
    await this.load();
    const old = this.cache.find(
      (e) =>
        e.kind === 'label' &&
        e.user_id === userId &&
        e.assignment_id === body.assignment_id &&
        e.item_id === body.item_id &&
        e.id !== this.inFlight,
    );
    const entry: OutboxEntry = {
      id: body.client_uuid,
      seq: this.nextSeq(),
      user_id: userId,
      kind: 'label',
      assignment_id: body.assignment_id,
      item_id: body.item_id,
      body,
      created_at: this.clock.now(),
      attempts: 0,
      next_at: 0,
    };
    await this.store.put(entry);
    this.cache.push(entry);
    if (old) {
      this.removed.add(old.id);
      this.cache = this.cache.filter((e) => e.id !== old.id);
      await this.store.remove(old.id);
      // whoever waited for the old answer now waits for the new one
      const w = this.waiters.get(old.id);
      if (w) {
        this.waiters.delete(old.id);
        this.waiters.set(entry.id, [...(this.waiters.get(entry.id) ?? []), ...w]);
      }
    }
    this.emit();
    void this.flush();
    return entry;
  }

  /** Saves "this unit is finished"; it is sent after every label before it. */
  async enqueueSubmit(userId: number, assignmentId: number): Promise<OutboxEntry> {
    await this.load();
    const existing = this.cache.find((e) => e.kind === 'submit' && e.assignment_id === assignmentId && e.user_id === userId);
    if (existing) return existing;
    const entry: OutboxEntry = {
      id: uuid(),
      seq: this.nextSeq(),
      user_id: userId,
      kind: 'submit',
      assignment_id: assignmentId,
      item_id: null,
      body: null,
      created_at: this.clock.now(),
      attempts: 0,
      next_at: 0,
    };
    await this.store.put(entry);
    this.cache.push(entry);
    this.emit();
    void this.flush();
    return entry;
  }

  hasSubmit(assignmentId: number): boolean {
    return this.entries().some((e) => e.kind === 'submit' && e.assignment_id === assignmentId);
  }

  /** The answers of a unit that are saved here but not yet on the server, by item. */
  queuedAnswers(assignmentId: number): Map<number, LabelBody> {
    const out = new Map<number, LabelBody>();
    for (const e of this.entries())
      if (e.kind === 'label' && e.assignment_id === assignmentId && e.body && e.item_id !== null) out.set(e.item_id, e.body);
    return out;
  }

  /** Resolves when the entry has been delivered (or refused). */
  whenSent(id: string): Promise<SendOutcome> {
    if (!this.cache.some((e) => e.id === id)) return Promise.resolve({ kind: 'ok', result: null });
    return new Promise((resolve) => {
      this.waiters.set(id, [...(this.waiters.get(id) ?? []), resolve]);
    });
  }

  /** Resolves when nothing of the unit is left to send. */
  whenDrained(assignmentId: number): Promise<void> {
    return new Promise((resolve) => {
      const check = (s?: Snapshot) => {
        void s;
        if (!this.cache.some((e) => e.assignment_id === assignmentId && e.user_id === this.user)) {
          off?.();
          resolve();
          return true;
        }
        return false;
      };
      let off: (() => void) | undefined;
      if (check()) return;
      off = this.subscribe(() => void check());
    });
  }

  /** After the network comes back: try every entry now. */
  retryNow(): void {
    this.force = true;
    void this.flush();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  /** Sends what can be sent now, in order; resolves when it stops (empty, waiting, or failed). */
  flush(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    if (this.flushing) {
      this.again = true;
      return this.flushing;
    }
    this.flushing = (async () => {
      try {
        await this.load();
        do {
          this.again = false;
          await withLock(() => this.drain());
        } while (this.again && !this.stopped);
      } finally {
        this.flushing = null;
      }
    })();
    return this.flushing;
  }

  private schedule(at: number) {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(
      () => {
        this.timer = null;
        void this.flush();
      },
      Math.max(0, at - this.clock.now()),
    );
  }

  private async drain(): Promise<void> {
    // Another tab may have sent some: the store is the truth.
    try {
      const before = new Set(this.cache.map((e) => e.id));
      const all = await this.store.all();
      const ids = new Set(all.map((e) => e.id));
      // sent by another tab: gone from the store since we last looked
      const gone = this.cache.filter((e) => before.has(e.id) && !ids.has(e.id));
      const have = new Set(this.cache.map((e) => e.id));
      // saved by another tab
      const added = all.filter((e) => !have.has(e.id) && !this.removed.has(e.id));
      if (gone.length || added.length) {
        const goneIds = new Set(gone.map((e) => e.id));
        this.cache = [...this.cache.filter((e) => !goneIds.has(e.id)), ...added].sort((a, b) => a.seq - b.seq);
        for (const e of gone) this.resolveWaiters(e.id, { kind: 'ok', result: null });
        this.emit();
      }
    } catch {
      // keep the cache
    }
    while (!this.stopped && this.user !== null) {
      const e = this.entries()[0];
      if (!e) break;
      const now = this.clock.now();
      if (e.next_at > now && !this.force) {
        this.schedule(e.next_at);
        break;
      }
      this.inFlight = e.id;
      let outcome: SendOutcome;
      try {
        outcome = await this.send(e);
      } catch (err) {
        outcome = { kind: 'retry', error: err };
      } finally {
        this.inFlight = null;
      }
      if (outcome.kind === 'ok' || outcome.kind === 'rejected') {
        if (outcome.kind === 'rejected') {
          const r = refusal(e.kind, outcome.code);
          if (r === 'late') this.late++;
          else if (r === 'rejected') this.rejected++;
        }
        this.removed.add(e.id);
        this.cache = this.cache.filter((x) => x.id !== e.id);
        await this.store.remove(e.id);
        this.offline = false;
        this.resolveWaiters(e.id, outcome);
        this.emit();
        continue;
      }
      if (outcome.kind === 'auth') {
        this.waitingForLogin = true;
        this.emit();
        break;
      }
      this.force = false;
      e.attempts += 1;
      e.next_at = this.clock.now() + backoffMs(e.attempts, this.clock.random);
      this.offline = true;
      await this.store.put(e).catch(() => {});
      this.emit();
      this.schedule(e.next_at);
      break;
    }
  }

  private resolveWaiters(id: string, o: SendOutcome) {
    const w = this.waiters.get(id);
    if (!w) return;
    this.waiters.delete(id);
    w.forEach((f) => f(o));
  }
}

/** One sender per browser (tabs share the stored entries) where the Web Locks API exists. */
async function withLock(f: () => Promise<void>): Promise<void> {
  const locks = (globalThis.navigator as Navigator | undefined)?.locks;
  if (!locks?.request) return f();
  await locks.request('mudou-outbox', f);
}

// ---- storage ---------------------------------------------------------------------------

const DB_NAME = 'mudou';
const STORE = 'outbox';

function req<T>(r: IDBRequest<T>): Promise<T> {
  return new Promise((ok, err) => {
    r.onsuccess = () => ok(r.result);
    r.onerror = () => err(r.error);
  });
}

/** The outbox in IndexedDB (database `mudou`, object store `outbox`). */
export function idbStore(factory: IDBFactory = indexedDB, name = DB_NAME): OutboxStore {
  let db: Promise<IDBDatabase> | null = null;
  const open = () => {
    if (!db) {
      db = new Promise((ok, err) => {
        const r = factory.open(name, 1);
        r.onupgradeneeded = () => {
          if (!r.result.objectStoreNames.contains(STORE)) r.result.createObjectStore(STORE, { keyPath: 'id' });
        };
        r.onsuccess = () => ok(r.result);
        r.onerror = () => err(r.error);
        r.onblocked = () => err(new Error('IndexedDB blocked'));
      });
    }
    return db;
  };
  const tx = async <T>(mode: IDBTransactionMode, f: (s: IDBObjectStore) => IDBRequest<T>): Promise<T> => {
    const d = await open();
    const t = d.transaction(STORE, mode);
    const result = req(f(t.objectStore(STORE)));
    // durable once the transaction completes
    await new Promise<void>((ok, err) => {
      t.oncomplete = () => ok();
      t.onerror = () => err(t.error);
      t.onabort = () => err(t.error ?? new Error('IndexedDB transaction aborted'));
    });
    return result;
  };
  return {
    durable: true,
    all: () => tx('readonly', (s) => s.getAll() as IDBRequest<OutboxEntry[]>),
    put: async (e) => {
      await tx('readwrite', (s) => s.put(e));
    },
    remove: async (id) => {
      await tx('readwrite', (s) => s.delete(id));
    },
  };
}

/** Entries in memory only (a browser without IndexedDB, and tests). */
export function memoryStore(initial: OutboxEntry[] = []): OutboxStore & { data: Map<string, OutboxEntry> } {
  const data = new Map(initial.map((e) => [e.id, { ...e }]));
  return {
    data,
    durable: false,
    all: async () => [...data.values()].map((e) => ({ ...e })),
    put: async (e) => {
      data.set(e.id, { ...e });
    },
    remove: async (id) => {
      data.delete(id);
    },
  };
}

let shared: Outbox | null = null;

/** The page's outbox: IndexedDB when the browser has it, else memory. */
export function outbox(): Outbox {
  if (!shared) {
    let store: OutboxStore;
    try {
      store = typeof indexedDB === 'undefined' ? memoryStore() : idbStore();
    } catch {
      store = memoryStore();
    }
    // IndexedDB can exist and still refuse to open (private windows of some browsers).
    const fallback = memoryStore();
    let failed = false;
    const safe: OutboxStore = {
      get durable() {
        return !failed && store.durable;
      },
      all: () =>
        (failed ? fallback.all() : store.all()).catch(() => {
          failed = true;
          return fallback.all();
        }),
      put: (e) =>
        (failed ? fallback.put(e) : store.put(e)).catch(() => {
          failed = true;
          return fallback.put(e);
        }),
      remove: (id) => (failed ? fallback.remove(id) : store.remove(id).catch(() => fallback.remove(id))),
    };
    shared = new Outbox(safe);
    if (typeof window !== 'undefined') {
      window.addEventListener('online', () => shared?.retryNow());
      // a closed laptop lid or a phone screen that comes back
      document.addEventListener('visibilitychange', () => {
        if (document.visibilityState === 'visible') shared?.retryNow();
      });
    }
  }
  return shared;
}
