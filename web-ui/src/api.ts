// The HTTP client for /api/v1. Cookies are HttpOnly: the UI never sees a token, it only sends
// `credentials: 'same-origin'`. Every failure becomes an ApiError with a stable `code`.

import { t, type Key } from './i18n';
import type { FormAnswer, ItemField, Template } from './kinds/types';

export type Role = 'admin' | 'client' | 'lead' | 'annotator';
export type SkillLevel = 'trainee' | 'standard' | 'expert';

export interface User {
  id: number;
  username: string | null;
  display_name: string;
  role: Role;
  centre_id: number | null;
  org_id: number | null;
  skill_level: SkillLevel | null;
  photo_url?: string | null;
  disabled?: boolean;
  /** Unix ms while locked after repeated wrong attempts. */
  locked_until?: number | null;
  // Optional extras a server may add; shown when present.
  org?: { id: number; name: string } | null;
  centre?: { id: number; name: string } | null;
}

export interface DeviceInfo {
  enrolled: boolean;
  device?: { id: number; name: string };
  centre?: { id: number; name: string };
}

export interface RosterEntry {
  id: number;
  display_name: string;
  photo_url: string | null;
  locked: boolean;
}

export interface Roster {
  centre: { id: number; name: string };
  annotators: RosterEntry[];
}

export interface Items<T> {
  items: T[];
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'ApiError';
  }

  get attemptsLeft(): number | undefined {
    const n = this.details.attempts_left;
    return typeof n === 'number' ? n : undefined;
  }

  get retryAfterS(): number | undefined {
    const n = this.details.retry_after_s;
    return typeof n === 'number' ? n : undefined;
  }
}

const STATUS_CODES: Record<number, string> = {
  400: 'validation',
  401: 'unauthenticated',
  403: 'forbidden',
  404: 'not_found',
  409: 'conflict',
  410: 'not_found',
  413: 'validation',
  415: 'validation',
  422: 'validation',
  429: 'rate_limited',
};

/** Turns a failed response (whatever its body) into an ApiError. */
export async function errorFromResponse(res: Response): Promise<ApiError> {
  let body: unknown = null;
  try {
    body = await res.json();
  } catch {
    // not JSON (a proxy page, an HTML fallback, an empty body)
  }
  const err = (body as { error?: Record<string, unknown> } | null)?.error;
  if (err && typeof err === 'object' && typeof err.code === 'string') {
    const { code, message, ...details } = err;
    return new ApiError(res.status, code, typeof message === 'string' ? message : code, details);
  }
  const code = STATUS_CODES[res.status] ?? (res.status >= 500 ? 'server' : 'http_' + res.status);
  return new ApiError(res.status, code, `HTTP ${res.status}`);
}

export type Fetch = typeof fetch;
let fetchImpl: Fetch = (...args) => fetch(...args);
/** For tests. */
export function setFetch(f: Fetch): void {
  fetchImpl = f;
}

const unauthenticatedListeners = new Set<() => void>();
/** Called whenever an authenticated call answers 401 (the session ended). */
export function onUnauthenticated(f: () => void): () => void {
  unauthenticatedListeners.add(f);
  return () => unauthenticatedListeners.delete(f);
}

export async function request<T>(method: string, path: string, body?: unknown): Promise<T> {
  const init: RequestInit = {
    method,
    credentials: 'same-origin',
    headers: { Accept: 'application/json' },
  };
  if (body instanceof Blob) {
    // A file sent as it is (a COCO JSON, a YOLO ZIP, a CVAT XML), typed by the Blob.
    init.headers = { ...init.headers, 'Content-Type': body.type || 'application/octet-stream' };
    init.body = body;
  } else if (body !== undefined) {
    init.headers = { ...init.headers, 'Content-Type': 'application/json' };
    init.body = JSON.stringify(body);
  }
  let res: Response;
  try {
    res = await fetchImpl('/api/v1' + path, init);
  } catch (e) {
    throw new ApiError(0, 'network', e instanceof Error ? e.message : String(e));
  }
  if (!res.ok) {
    const err = await errorFromResponse(res);
    if (err.code === 'unauthenticated' && path !== '/session' && !path.startsWith('/auth/')) {
      unauthenticatedListeners.forEach((f) => f());
    }
    throw err;
  }
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  if (!text) return undefined as T;
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new ApiError(res.status, 'server', 'invalid JSON in response');
  }
}

export const api = {
  get: <T>(path: string) => request<T>('GET', path),
  post: <T>(path: string, body?: unknown) => request<T>('POST', path, body ?? {}),
  put: <T>(path: string, body?: unknown) => request<T>('PUT', path, body ?? {}),
  del: <T>(path: string) => request<T>('DELETE', path),
};

/** POSTs a multipart form with XMLHttpRequest, which (unlike fetch) reports upload progress:
 * `onProgress(sent, total)`. Failures are ApiErrors, as with `request`. */
export function upload<T>(
  path: string,
  form: FormData,
  onProgress: (sent: number, total: number) => void,
  signal?: AbortSignal,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    if (signal) {
      if (signal.aborted) return reject(new ApiError(0, 'aborted', 'upload stopped'));
      signal.addEventListener('abort', () => xhr.abort(), { once: true });
    }
    xhr.onabort = () => reject(new ApiError(0, 'aborted', 'upload stopped'));
    xhr.open('POST', '/api/v1' + path);
    xhr.withCredentials = true;
    xhr.setRequestHeader('Accept', 'application/json');
    xhr.upload.onprogress = (e) => onProgress(e.loaded, e.lengthComputable ? e.total : 0);
    xhr.onerror = () => reject(new ApiError(0, 'network', 'upload failed'));
    xhr.ontimeout = () => reject(new ApiError(0, 'network', 'upload timed out'));
    xhr.onload = () => {
      if (xhr.status < 200) {
        reject(new ApiError(0, 'network', 'upload failed'));
        return;
      }
      const res = new Response(xhr.status === 204 ? null : xhr.responseText, {
        status: xhr.status,
        headers: { 'Content-Type': xhr.getResponseHeader('Content-Type') ?? 'application/json' },
      });
      if (xhr.status < 200 || xhr.status >= 300) {
        void errorFromResponse(res).then((err) => {
          if (err.code === 'unauthenticated') unauthenticatedListeners.forEach((f) => f());
          reject(err);
        });
        return;
      }
      try {
        resolve(JSON.parse(xhr.responseText) as T);
      } catch {
        reject(new ApiError(xhr.status, 'server', 'invalid JSON in response'));
      }
    };
    xhr.send(form);
  });
}

const FIELD_LABELS: Record<string, Key> = {
  pin: 'pin',
  password: 'password',
  username: 'username',
  display_name: 'display_name',
  name: 'name',
  county: 'county',
  province: 'province',
  timezone: 'timezone',
  role: 'role',
  centre_id: 'centre',
  org_id: 'org',
};

/** A short, translated sentence for any error, for showing next to an icon. */
export function errorText(e: unknown): string {
  if (!(e instanceof ApiError)) return t('err_server');
  switch (e.code) {
    case 'invalid_pin': {
      const n = e.attemptsLeft;
      return n === undefined ? t('err_invalid_pin') : t('err_invalid_pin_left', { n });
    }
    case 'validation': {
      const f = e.details.field;
      if (typeof f !== 'string' || !f) return t('err_validation');
      return t('err_validation_field', { field: f in FIELD_LABELS ? t(FIELD_LABELS[f]) : f });
    }
    case 'invalid_credentials': {
      const n = e.attemptsLeft;
      return n === undefined ? t('err_invalid_credentials') : t('err_invalid_credentials_left', { n });
    }
    case 'locked':
    case 'rate_limited': {
      const s = e.retryAfterS;
      const min = Math.max(1, Math.ceil((s ?? 0) / 60));
      if (e.code === 'locked') return s === undefined ? t('err_locked') : t('err_locked_min', { min });
      if (s === undefined) return t('err_rate_limited');
      // Logins wait seconds at first (the throttle doubles from 1 s): say so exactly.
      return s < 60 ? t('err_rate_limited_s', { s }) : t('err_rate_limited_min', { min });
    }
    default:
      return isWorded(e.code) ? t(`err_${e.code}`) : e.message || t('err_server');
  }
}

/** The codes said in our own words (`err_<code>`), beside the ones `errorText` words itself.
 * The server's codes are its `ErrorCode` table (the `ErrorCode` schema of /api/openapi.json);
 * `network`, `server` and `aborted` are this client's own. */
export const WORDED_CODES = [
  'device_not_enrolled',
  'unauthenticated',
  'forbidden',
  'not_found',
  'conflict',
  'username_taken',
  'order_state',
  'assignment_ended',
  'unit_closed',
  'no_longer_needed',
  'uuid_reused',
  'period_closed',
  'no_mistakes',
  'already_decided',
  'not_expert',
  'not_doctor',
  'doctor_not_in_org',
  'wage_below_floor',
  'not_audio',
  'voice_too_large',
  'not_image',
  'picture_too_large',
  'voice_too_long',
  'network',
  'server',
  'aborted',
] as const satisfies readonly Worded<Key>[];
const WORDED: readonly string[] = WORDED_CODES;

/** `<code>` for every `err_<code>` key of the dictionary. */
type Worded<K> = K extends `err_${infer C}` ? C : never;

function isWorded(code: string): code is (typeof WORDED_CODES)[number] {
  return WORDED.includes(code);
}

// ---- the expert ladder of medical orders (issue 31): the shapes of the server's
// `routes/ladder.rs`, the one typed module of its routes. Every decision carries a
// `client_uuid` made once per decision (`util.uuid`): sent again, it answers `replay`. ----

/** `spec.medical`: experts settle disagreements, or refer them to the client's doctor. */
export interface MedicalPolicy {
  expert_rate_fen: number;
  doctor_rate_fen: number;
  /** A client user of the order's organisation. */
  doctor_user_id: number;
}

/** A client user of the caller's organisation (who may be named the doctor). */
export interface OrgUser {
  id: number;
  display_name: string;
  username: string | null;
}

/** An item waiting at a step of the ladder (the expert's queue, the doctor's). */
export interface LadderWaiting {
  order_id: number;
  item_id: number;
  order_name: string;
  /** Answers the item has. */
  labels: number;
  /** Unix ms. */
  waiting_since: number;
}

/** One annotator's answer, anonymised as `A`, `B`, … (never a name). */
export interface LadderAnswer {
  label_id: number;
  who: string;
  answer: FormAnswer;
}

/** A step's decision as the next step sees it. */
export interface LadderStep {
  /** `settle` or `refer` (the expert's); `final` (the doctor's). */
  decision: 'settle' | 'refer' | 'final';
  answer: FormAnswer | null;
  note: string | null;
  /** Unix ms. */
  decided_at: number | null;
}

/** An item as the expert or the doctor decides it: the order's template, the item's fields,
 * every annotator's answer, and the decisions made so far (the doctor sees the expert's). */
export interface LadderDetail {
  order: { id: number; name: string; instructions: string; template: Template };
  item: {
    item_id: number;
    kind: string;
    thumb_url: string | null;
    screen_url: string | null;
    text: string | null;
    width: number | null;
    height: number | null;
    /** Every field of the item, in order (a series: its `volume` and `volume_url`). */
    fields: ItemField[];
  };
  stage: 'expert' | 'doctor' | 'done';
  answers: LadderAnswer[];
  expert: LadderStep | null;
  doctor: LadderStep | null;
}

/** Settle: the answer is final; refer: to the order's doctor, with no answer. */
export type ExpertDecision = { client_uuid: string; decision: 'settle'; answer: FormAnswer; note?: string } | { client_uuid: string; decision: 'refer'; note?: string };

/** The doctor's answer: final. */
export interface DoctorDecision {
  client_uuid: string;
  answer: FormAnswer;
  note?: string;
}

/** What a decision did: `replay` when its UUID was stored before (nothing changed). */
export interface LadderDecisionResult {
  status: 'stored' | 'replay';
  order_id: number;
  item_id: number;
  stage: 'expert' | 'doctor' | 'done';
  answer: FormAnswer | null;
  /** Paid to the expert, or costing the order (the doctor), in fen. */
  fen: number;
}

/** The organisation's client users (a client's call). */
export const orgUsers = () => api.get<Items<OrgUser>>('/org/users').then((r) => r.items);
/** Items waiting for an expert (an expert annotator's call). */
export const expertQueue = () => api.get<Items<LadderWaiting>>('/work/expert').then((r) => r.items);
export const expertItem = (orderId: number, itemId: number) => api.get<LadderDetail>(`/work/expert/${orderId}/${itemId}`);
export const expertDecide = (orderId: number, itemId: number, d: ExpertDecision) =>
  api.post<LadderDecisionResult>(`/work/expert/${orderId}/${itemId}`, d);
/** An order's items referred to its doctor (the doctor's call). */
export const doctorQueue = (orderId: number) =>
  api.get<Items<LadderWaiting>>(`/orders/${orderId}/medical/queue`).then((r) => r.items);
export const doctorItem = (orderId: number, itemId: number) => api.get<LadderDetail>(`/orders/${orderId}/medical/queue/${itemId}`);
export const doctorDecide = (orderId: number, itemId: number, d: DoctorDecision) =>
  api.post<LadderDecisionResult>(`/orders/${orderId}/medical/queue/${itemId}`, d);
