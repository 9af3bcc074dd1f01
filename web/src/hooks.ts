/**
 * Small hooks the pages share: loading data with its error, polling that pauses while the tab is
 * hidden, and page visibility itself.
 */
import { useCallback, useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import { isAbort } from './api.ts';

export function usePageVisible(): boolean {
  const [visible, setVisible] = useState(() => document.visibilityState === 'visible');
  useEffect(() => {
    const update = () => setVisible(document.visibilityState === 'visible');
    document.addEventListener('visibilitychange', update);
    return () => document.removeEventListener('visibilitychange', update);
  }, []);
  return visible;
}

/**
 * Calls `tick` every `intervalMs` while `enabled` and the page is visible. The next call is
 * scheduled only after the previous one settles, so a slow server never sees requests pile up.
 */
export function usePolling(tick: () => Promise<unknown>, intervalMs: number, enabled: boolean): void {
  const visible = usePageVisible();
  const latest = useRef(tick);
  latest.current = tick;
  useEffect(() => {
    if (!enabled || !visible) return;
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const run = async () => {
      await latest.current().catch(() => undefined);
      if (!stopped) timer = setTimeout(run, intervalMs);
    };
    timer = setTimeout(run, intervalMs);
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [enabled, visible, intervalMs]);
}

export interface Loaded<T> {
  data: T | undefined;
  error: unknown;
  loading: boolean;
  reload(): Promise<void>;
}

/**
 * Runs `load` now and whenever `deps` change; a newer load cancels an older one. Requests start
 * before the first paint (a layout effect), not a frame later.
 */
export function useLoad<T>(load: (signal: AbortSignal) => Promise<T>, deps: unknown[]): Loaded<T> {
  const [state, setState] = useState<{ data?: T; error: unknown; loading: boolean }>({ error: null, loading: true });
  const controller = useRef<AbortController | null>(null);
  const reload = useCallback(async () => {
    controller.current?.abort();
    const mine = new AbortController();
    controller.current = mine;
    setState((previous) => ({ ...previous, loading: true }));
    try {
      const data = await load(mine.signal);
      if (!mine.signal.aborted) setState({ data, error: null, loading: false });
    } catch (error) {
      if (!mine.signal.aborted && !isAbort(error)) setState((previous) => ({ ...previous, error, loading: false }));
    }
  }, deps);
  useLayoutEffect(() => {
    void reload();
    return () => controller.current?.abort();
  }, [reload]);
  return { data: state.data, error: state.error, loading: state.loading, reload };
}
