/**
 * The events of a source that match an LQL query, newest first: the first page on each search,
 * older pages on "load more" (the API's cursor), and newer events merged in by live tail. A
 * search started later wins over any request of an earlier one still in flight.
 */
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { api } from '../../api.ts';
import type { ApiEvent, EventPage } from '../../api-types.ts';

const PAGE_SIZE = 100;
/** Live tail keeps at most this many rows; the oldest drop off (and with them "load more"). */
export const MAX_ROWS = 2000;

export interface EventSearch {
  events: ApiEvent[];
  nextCursor: string | null;
  /** Ids that arrived with the latest live-tail poll, to highlight. */
  fresh: Set<string>;
  /** True once live tail dropped older rows. */
  trimmed: boolean;
  loading: boolean;
  error: unknown;
  /** When the last search or poll answered (ms since the epoch). */
  updatedAt: number | null;
}

const EMPTY: EventSearch = {
  events: [],
  nextCursor: null,
  fresh: new Set(),
  trimmed: false,
  loading: true,
  error: null,
  updatedAt: null,
};

const newestFirst = (a: ApiEvent, b: ApiEvent) =>
  a.timestamp === b.timestamp ? (a.id < b.id ? 1 : -1) : a.timestamp < b.timestamp ? 1 : -1;

export function useEventSearch(source: string, query: string) {
  const [state, setState] = useState<EventSearch>(EMPTY);
  const generation = useRef(0);
  const page = (cursor?: string) =>
    api<EventPage>(`/api/sources/${encodeURIComponent(source)}/events`, {
      query: { q: query, limit: PAGE_SIZE, cursor },
    });

  const search = useCallback(async () => {
    const mine = ++generation.current;
    setState((previous) => ({ ...previous, loading: true }));
    try {
      const first = await page();
      if (mine !== generation.current) return;
      setState({ ...EMPTY, events: first.result, nextCursor: first.next_cursor, loading: false, updatedAt: Date.now() });
    } catch (error) {
      if (mine !== generation.current) return;
      setState({ ...EMPTY, loading: false, error });
    }
  }, [source, query]);

  useEffect(() => {
    void search();
  }, [search]);

  const loadMore = async () => {
    const mine = generation.current;
    if (!state.nextCursor) return;
    setState((previous) => ({ ...previous, loading: true }));
    try {
      const older = await page(state.nextCursor);
      if (mine !== generation.current) return;
      setState((previous) => ({
        ...previous,
        events: [...previous.events, ...older.result],
        nextCursor: older.next_cursor,
        loading: false,
        error: null,
      }));
    } catch (error) {
      if (mine === generation.current) setState((previous) => ({ ...previous, loading: false, error }));
    }
  };

  /** One live-tail poll: the newest page, merged in front of what is shown. */
  const poll = async () => {
    const mine = generation.current;
    const newest = await page().catch((error: unknown) => {
      if (mine === generation.current) setState((previous) => ({ ...previous, error }));
      return null;
    });
    if (!newest || mine !== generation.current) return;
    setState((previous) => {
      const known = new Set(previous.events.map((event) => event.id));
      const arrived = newest.result.filter((event) => !known.has(event.id));
      if (arrived.length === 0) return { ...previous, error: null, updatedAt: Date.now() };
      const merged = [...arrived, ...previous.events].sort(newestFirst);
      const trimmed = merged.length > MAX_ROWS;
      return {
        ...previous,
        events: trimmed ? merged.slice(0, MAX_ROWS) : merged,
        nextCursor: trimmed || previous.trimmed ? null : previous.nextCursor,
        trimmed: previous.trimmed || trimmed,
        fresh: new Set(arrived.map((event) => event.id)),
        error: null,
        updatedAt: Date.now(),
      };
    });
  };

  return { state, search, loadMore, poll };
}
